# mailwarden_set_warnings(<target>): the project's warning set on one target;
# -Werror when MAILWARDEN_WERROR is ON (CI).
function(mailwarden_set_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wconversion -Wshadow -Wformat=2
    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor -Wold-style-cast>
    $<$<BOOL:${MAILWARDEN_WERROR}>:-Werror>)
endfunction()
