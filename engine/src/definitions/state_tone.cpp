#include "sendflow/engine/core/names.h"
#include "sendflow/engine/definitions/workflow_definition.h"

namespace sendflow::engine {
namespace {

constexpr auto kTones = nameTable<StateTone>({{StateTone::kNeutral, "neutral"},
                                              {StateTone::kGood, "good"},
                                              {StateTone::kInProgress, "in_progress"},
                                              {StateTone::kWaiting, "waiting"},
                                              {StateTone::kAttention, "attention"}});
static_assert(kTones.coversDenseRange());

}  // namespace

const char* stateToneName(StateTone t) { return kTones.nameOf(t); }
std::optional<StateTone> parseStateTone(std::string_view s) { return kTones.parse(s); }

}  // namespace sendflow::engine
