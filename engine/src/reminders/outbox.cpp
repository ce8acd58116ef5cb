#include "sendflow/engine/reminders/outbox.h"

namespace sendflow::engine {

const char* outboxStatusName(OutboxStatus s) {
  switch (s) {
    case OutboxStatus::kQueued:
      return "queued";
    case OutboxStatus::kSending:
      return "sending";
    case OutboxStatus::kSent:
      return "sent";
    case OutboxStatus::kRetrying:
      return "retrying";
    case OutboxStatus::kFailed:
      return "failed";
  }
  return "queued";
}

std::optional<OutboxStatus> parseOutboxStatus(std::string_view s) {
  for (auto st : {OutboxStatus::kQueued, OutboxStatus::kSending, OutboxStatus::kSent,
                  OutboxStatus::kRetrying, OutboxStatus::kFailed})
    if (s == outboxStatusName(st)) return st;
  return std::nullopt;
}

std::string initialsOf(const std::string& name) {
  // First code point of each word (UTF-8 aware), uppercased when ASCII.
  std::string out;
  bool atWordStart = true;
  for (size_t i = 0; i < name.size();) {
    auto c = static_cast<unsigned char>(name[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 1;
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
