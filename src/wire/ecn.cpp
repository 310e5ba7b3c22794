#include "wire/ecn.h"

#include <array>
#include <utility>

namespace finwait::wire {
namespace {

constexpr std::array<std::pair<Ecn, std::string_view>, 4> k_names{{
    {Ecn::not_ect, "noecn"},
    {Ecn::ect1, "ect1"},
    {Ecn::ect0, "ect0"},
    {Ecn::ce, "ce"},
}};

}  // namespace

std::string_view ecn_name(Ecn ecn) {
  return k_names[static_cast<std::size_t>(ecn) & 0x03].second;
}

std::optional<Ecn> parse_ecn_name(std::string_view name) {
  for (auto [ecn, text] : k_names) {
    if (text == name) return ecn;
  }
  return std::nullopt;
}

}  // namespace finwait::wire
