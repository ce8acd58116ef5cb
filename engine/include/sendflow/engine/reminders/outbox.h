// Outbox messages: an email to send, written in the same transaction as the event that caused
// it, with an idempotency key so the same message is never queued twice. The sender (web/)
// renders the templates from `data` and delivers over SMTP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

// Kinds, each with its templates in web/templates/mail/<kind>.{subject,txt,html}.mustache.
namespace mailkind {
inline constexpr const char* kReview = "review_reminder";  // before / on the day / overdue
inline constexpr const char* kEscalation = "escalation";   // > 14 days overdue, to governors
inline constexpr const char* kDeadline = "deadline";       // EHCP statutory deadline
inline constexpr const char* kDigest = "digest";           // weekly, per academy, governors
inline constexpr const char* kNotice = "notice";           // a transition's notify_* action
inline constexpr const char* kTest = "test";               // "send a test email"
}  // namespace mailkind

// kUncertain: the whole message went to the server, then the connection dropped or sendflow
// stopped before its reply: it may or may not have been delivered (the admin may resend it).
enum class OutboxStatus { kQueued, kSending, kSent, kRetrying, kFailed, kUncertain };
// queued, sending, sent, retrying, failed, uncertain
const char* outboxStatusName(OutboxStatus s);
std::optional<OutboxStatus> parseOutboxStatus(std::string_view s);

struct OutboxMessage {
  Id id = 0;
  std::string key;  // idempotency key: plan + kind + due date + recipient
  std::string kind;
  Id academyId = 0;
  Id planId = 0;
  std::string toAddress;
  std::string toName;
  std::string data;  // compact JSON: initials, plan title, dates, counts — no special-category data
  OutboxStatus status = OutboxStatus::kQueued;
  int attempts = 0;
  TimePoint createdAt{};
  TimePoint nextAttemptAt{};
  TimePoint sentAt{};
  std::string lastError;
  std::string serverReply;
};

struct OutboxCounts {
  int queued = 0, sending = 0, sent = 0, retrying = 0, failed = 0, uncertain = 0;
  // The earliest time a queued or retrying message became (or becomes) due; none when empty.
  std::optional<TimePoint> earliestDue;
};

// The sender's and the admin's side of the outbox (storage::SqliteOutbox implements it): the
// mail sender in web/ depends on this port, never on the database.
class Outbox {
 public:
  virtual ~Outbox() = default;
  // Queues a message in its own transaction (test email, admin actions); returns its id.
  virtual Id enqueue(const OutboxMessage& m) = 0;
  // The oldest due row (queued, or retrying whose time has come) becomes "sending", owned by
  // `owner`, in one transaction; nullopt when none is due.
  virtual std::optional<OutboxMessage> claim(TimePoint now, const std::string& owner) = 0;
  // Committed just before the final "." of DATA; "sent" right after the server's reply.
  virtual void markHandedOver(Id id, TimePoint at) = 0;
  virtual void markSent(Id id, TimePoint at, const std::string& reply) = 0;
  virtual void markRetry(Id id, TimePoint next, const std::string& error) = 0;
  virtual void markFailed(Id id, const std::string& error) = 0;
  // Handed over, then no reply (the connection dropped, or timed out): "uncertain".
  virtual void markUncertain(Id id, const std::string& error) = 0;
  // Rows left "sending" by an owner that is gone: never handed over → "retrying", due now;
  // handed over → "uncertain" (no reply was recorded). Returns how many.
  virtual int recoverAbandoned(const std::vector<std::string>& liveOwners, TimePoint now,
                               TimePoint staleBefore) = 0;
  virtual std::vector<std::string> sendingOwners() = 0;
  // Admin: a failed (or retrying) row is queued again now. False when not found / not retryable.
  virtual bool retry(Id id, TimePoint now) = 0;
  // Admin: an uncertain row is queued again now (same Message-ID), with `audit` in the same
  // transaction. False when not found / not uncertain.
  virtual bool resendUncertain(Id id, TimePoint now, const AuditEvent& audit) = 0;
  virtual std::vector<OutboxMessage> list(const std::string& status, int limit) = 0;
  virtual OutboxCounts counts() = 0;
  virtual int uncertainCount() = 0;  // one indexed count (health checks ask often)
};

// "Z. E." from "Zoë Ellis": the only pupil detail an email carries.
std::string initialsOf(const std::string& name);

}  // namespace sendflow::engine
