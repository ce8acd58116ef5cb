// Anchors of the audit hash chain kept outside the database: an event id and that event's hash,
// written where someone editing the database cannot reach at once (the anchor file beside it, the
// governors' weekly digest, every sealed PDF's audit certificate). A chain that no longer has the
// anchor's event, or has another hash there, was cut back or rewritten.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

struct AuditAnchor {
  Id eventId = 0;
  std::string hash;  // the event's hash: 64 lowercase hex digits
  TimePoint at{};    // when it was taken (unknown for an anchor typed on a command line)
  std::string kind;  // "weekly", "periodic", "shutdown"; "" for one typed on a command line
};

inline constexpr const char* kWeeklyAnchor = "weekly";
inline constexpr const char* kPeriodicAnchor = "periodic";
inline constexpr const char* kShutdownAnchor = "shutdown";

// One line of the anchor file: "<id> <hash> <ISO time> <kind>" (no newline).
std::string anchorLine(const AuditAnchor& a);
// Parses exactly that (kind one of the three above); the error names what is wrong.
Result<AuditAnchor> parseAnchorLine(std::string_view line);
// "ID:HASH", as printed in a digest or a sealed PDF (see anchorReference).
Result<AuditAnchor> parseAnchorReference(std::string_view text);
// "ID:HASH": what an operator copies into `sendflow audit verify --anchor`.
std::string anchorReference(const AuditAnchor& a);

// The weekly anchor as people read it in a digest or on a PDF's certificate:
// "event 120 of 30 November 2026, 120:<hash>".
std::string anchorForPeople(const AuditAnchor& a);

// Which anchor the server writes now, if any: a weekly one when the newest weekly anchor is a
// week old (or there is none); else, when the head moved since the newest anchor, a periodic one
// once `every` has passed since that anchor (at once when `closing`: a clean shutdown).
// `headId` 0 (an empty chain) never needs one.
std::optional<std::string> anchorDue(const std::optional<AuditAnchor>& newest,
                                     const std::optional<AuditAnchor>& newestWeekly, Id headId,
                                     TimePoint now, std::chrono::seconds every, bool closing);

// How an anchor compares with the chain: `hashAtId` is the chain's hash for the anchor's event
// (nullopt when the chain has no such event), `lastId` the chain's newest event.
enum class AnchorMatch { kMatched, kEventMissing, kHashDiffers };
AnchorMatch matchAnchor(const AuditAnchor& a, const std::optional<std::string>& hashAtId);
// A sentence for an anchor that did not match, e.g. "the chain ends at event 97 but the anchor
// records event 120 (events were deleted)".
std::string anchorMismatch(const AuditAnchor& a, AnchorMatch m, Id lastId);

// The anchors the engine prints (digest, sealed PDF): the newest weekly one. Thread-safe.
class AuditAnchorSource {
 public:
  virtual ~AuditAnchorSource() = default;
  virtual std::optional<AuditAnchor> latestWeekly() = 0;
};

}  // namespace sendflow::engine
