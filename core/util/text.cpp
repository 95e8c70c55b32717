// text.cpp: see text.hpp.
#include "core/util/text.hpp"

namespace mailwarden::text {

std::vector<std::string_view> split_list(std::string_view list) {
    std::vector<std::string_view> items;
    std::size_t pos = 0;
    while (pos < list.size()) {
        std::size_t end = list.find_first_of(" ,\t", pos);
        if (end == std::string_view::npos) end = list.size();
        if (end > pos) items.push_back(list.substr(pos, end - pos));
        pos = end + 1;
    }
    return items;
}

}  // namespace mailwarden::text
