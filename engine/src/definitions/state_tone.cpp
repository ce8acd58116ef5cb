#include <array>
#include <utility>

#include "sendflow/engine/definitions/definitions.h"

namespace sendflow::engine {
namespace {

constexpr std::array<std::pair<StateTone, const char*>, 5> kTones{{
    {StateTone::kNeutral, "neutral"},
    {StateTone::kGood, "good"},
    {StateTone::kInProgress, "in_progress"},
    {StateTone::kWaiting, "waiting"},
    {StateTone::kAttention, "attention"},
}};

}  // namespace

const char* stateToneName(StateTone t) {
  for (const auto& [tone, name] : kTones)
    if (tone == t) return name;
  return "neutral";
}

std::optional<StateTone> parseStateTone(std::string_view s) {
  for (const auto& [tone, name] : kTones)
    if (s == name) return tone;
  return std::nullopt;
}

}  // namespace sendflow::engine
