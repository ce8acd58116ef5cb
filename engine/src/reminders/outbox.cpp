#include "sendflow/engine/reminders/outbox.h"

#include "sendflow/engine/core/names.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::engine {

namespace {

constexpr auto kOutboxStatusNames =
    nameTable<OutboxStatus>({{OutboxStatus::kQueued, "queued"},
                             {OutboxStatus::kSending, "sending"},
                             {OutboxStatus::kSent, "sent"},
                             {OutboxStatus::kRetrying, "retrying"},
                             {OutboxStatus::kFailed, "failed"},
                             {OutboxStatus::kUncertain, "uncertain"}});
static_assert(kOutboxStatusNames.coversDenseRange());

}  // namespace

const char* outboxStatusName(OutboxStatus s) { return kOutboxStatusNames.nameOf(s); }

std::optional<OutboxStatus> parseOutboxStatus(std::string_view s) {
  return kOutboxStatusNames.parse(s);
}

std::string initialsOf(const std::string& name) {
  // First code point of each word (UTF-8 aware), uppercased when ASCII.
  std::string out;
  bool atWordStart = true;
  for (size_t i = 0; i < name.size();) {
    auto c = static_cast<unsigned char>(name[i]);
    const size_t len = utf8::firstCharacterBytes(std::string_view(name).substr(i));
    bool space = c == ' ' || c == '-' || c == '\t';
    if (space) {
      atWordStart = true;
    } else if (atWordStart) {
      if (!out.empty()) out += ' ';
      std::string cp = name.substr(i, len);
      if (len == 1 && c >= 'a' && c <= 'z') cp[0] = static_cast<char>(c - 'a' + 'A');
      out += cp + ".";
      atWordStart = false;
    }
    i += len;
  }
  return out;
}

}  // namespace sendflow::engine
