#include "sendflow/engine/core/audit_anchor.h"

#include <charconv>

#include "sendflow/engine/documents/plan_document.h"  // parseIsoTime

namespace sendflow::engine {
namespace {

bool isHash(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

std::optional<Id> parseEventId(std::string_view s) {
  Id id = 0;
  if (s.empty() || s.front() == '+' || s.front() == '-') return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || end != s.data() + s.size() || id < 1) return std::nullopt;
  return id;
}

Error badAnchor(const std::string& why) { return Error{ErrorCode::kBadRequest, why, {}}; }

}  // namespace

std::string anchorLine(const AuditAnchor& a) {
  return std::to_string(a.eventId) + " " + a.hash + " " + isoTime(a.at) + " " + a.kind;
}

Result<AuditAnchor> parseAnchorLine(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t start = 0;
  while (start <= line.size()) {
    const std::size_t space = line.find(' ', start);
    const std::size_t end = space == std::string_view::npos ? line.size() : space;
    words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  if (words.size() != 4) return badAnchor("not \"<event id> <hash> <time> <kind>\"");
  AuditAnchor a;
  auto id = parseEventId(words[0]);
  if (!id) return badAnchor("the event id is not a whole number above 0");
  a.eventId = *id;
  if (!isHash(words[1])) return badAnchor("the hash is not 64 lowercase hex digits");
  a.hash = std::string(words[1]);
  auto at = parseIsoTime(words[2]);
  if (!at || isoTime(*at) != words[2]) return badAnchor("the time is not YYYY-MM-DDTHH:MM:SSZ");
  a.at = *at;
  a.kind = std::string(words[3]);
  if (a.kind != kWeeklyAnchor && a.kind != kPeriodicAnchor && a.kind != kShutdownAnchor)
    return badAnchor("the kind is not weekly, periodic or shutdown");
  return a;
}

Result<AuditAnchor> parseAnchorReference(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return badAnchor("an anchor is ID:HASH, e.g. 120:3f5a…");
  auto id = parseEventId(text.substr(0, colon));
  if (!id) return badAnchor("the anchor's event id is not a whole number above 0");
  if (!isHash(text.substr(colon + 1)))
    return badAnchor("the anchor's hash is not 64 lowercase hex digits");
  AuditAnchor a;
  a.eventId = *id;
  a.hash = std::string(text.substr(colon + 1));
  return a;
}

std::string anchorReference(const AuditAnchor& a) {
  return std::to_string(a.eventId) + ":" + a.hash;
}

std::string anchorForPeople(const AuditAnchor& a) {
  return "event " + std::to_string(a.eventId) + " of " + ukDate(dateOf(a.at)) + ", " +
         anchorReference(a);
}

std::optional<std::string> anchorDue(const std::optional<AuditAnchor>& newest,
                                     const std::optional<AuditAnchor>& newestWeekly, Id headId,
                                     TimePoint now, std::chrono::seconds every, bool closing) {
  if (headId == 0) return std::nullopt;
  if (!newestWeekly || now - newestWeekly->at >= std::chrono::days(7)) return kWeeklyAnchor;
  if (newest && newest->eventId == headId) return std::nullopt;
  if (closing) return kShutdownAnchor;
  if (!newest || now - newest->at >= every) return kPeriodicAnchor;
  return std::nullopt;
}

AnchorMatch matchAnchor(const AuditAnchor& a, const std::optional<std::string>& hashAtId) {
  if (!hashAtId) return AnchorMatch::kEventMissing;
  return *hashAtId == a.hash ? AnchorMatch::kMatched : AnchorMatch::kHashDiffers;
}

std::string anchorMismatch(const AuditAnchor& a, AnchorMatch m, Id lastId) {
  const std::string id = std::to_string(a.eventId);
  switch (m) {
    case AnchorMatch::kMatched:
      return "";
    case AnchorMatch::kEventMissing:
      return "the chain ends at event " + std::to_string(lastId) +
             " but the anchor records event " + id + " (events were deleted)";
    case AnchorMatch::kHashDiffers:
      break;
  }
  return "event " + id + " has another hash than the anchor records (the chain was rewritten)";
}

}  // namespace sendflow::engine
