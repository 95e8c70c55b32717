// test_text.cpp: config lists split the same way everywhere (trusted networks, domains).
#include <doctest/doctest.h>

#include "core/util/text.hpp"

using mailwarden::text::split_list;
using list = std::vector<std::string_view>;

TEST_CASE("text: split_list takes spaces, commas and tabs, and drops empty items") {
    CHECK(split_list("") == list{});
    CHECK(split_list(" ,\t, ") == list{});
    CHECK(split_list("a") == list{"a"});
    CHECK(split_list("a, b\tc,,d ") == list{"a", "b", "c", "d"});
    CHECK(split_list("127.0.0.0/8 ::1/128") == list{"127.0.0.0/8", "::1/128"});
}
