// packetdrill's -D NAME=VALUE (--define): every NAME standing alone as a word
// in the script's text becomes VALUE before the script is read, as
// packetdrill's lexer substitutes its definitions (TFO_COOKIE, CODE, ...).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace finwait::script {

using Definitions = std::vector<std::pair<std::string, std::string>>;

// NAME=VALUE split at its first '='; false when there is no name.
bool split_definition(std::string_view text, std::pair<std::string, std::string>* out);

// The text with each defined word replaced; comments and "strings" are left
// as they are. A later definition of the same name wins.
std::string substitute_definitions(std::string_view text, const Definitions& definitions);

}  // namespace finwait::script
