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

enum class OutboxStatus { kQueued, kSending, kSent, kRetrying, kFailed };
const char* outboxStatusName(OutboxStatus s);  // queued, sending, sent, retrying, failed
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

// "Z. E." from "Zoë Ellis": the only pupil detail an email carries.
std::string initialsOf(const std::string& name);

}  // namespace sendflow::engine
