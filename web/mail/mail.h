// Email: settings (smtp.*, mail.*, reminders.*), message composition from the Mustache templates
// in web/templates/mail, SMTP delivery with Poco, and the sender thread that drains the outbox.
//
// Delivery, and what happens when sendflow is killed mid-send. A row is committed "sending"
// before MAIL FROM; after the message body has gone to the server, "handed over" is committed
// (a single-statement transaction on the sender's own connection, synchronous=NORMAL: durable
// against a killed process, microseconds long); then the terminating "." is sent, and "sent"
// is committed with the server's reply. A row left "sending" by a process that is gone is:
//   - not handed over: sent again (the server discards a DATA that never got its terminator),
//     with the same Message-ID;
//   - handed over: "uncertain" (the kernel delivers the buffered terminator even after the
//     process dies, so the server has the whole message, but nobody heard whether it took it).
// The same holds while running: a connection that drops (or a reply that never comes) after the
// whole message went is "uncertain", never "sent" and never sent again by itself. The trust
// admin sees uncertain rows on the mail page and /healthz counts them; one click resends (same
// Message-ID). So a SIGKILL or crash neither loses nor doubles a message silently. A power loss
// can undo a synchronous=NORMAL commit: then a handed-over message is sent again, with the same
// Message-ID (at-least-once).
#pragma once

#include <Poco/Net/MailMessage.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "app/config.h"
#include "mail/maildir.h"
#include "sendflow/engine/core/email_address.h"
#include "sendflow/engine/reminders/icalendar.h"
#include "sendflow/engine/reminders/outbox.h"
#include "sendflow/engine/reminders/reminders.h"

namespace kainjow::mustache {
template <typename StringType>
class basic_mustache;
}

namespace sendflow::web {

class Router;
class Services;
class SmtpConnection;

// What the SMTP server said about one message (or why it could not be asked).
struct SmtpOutcome {
  // kUncertain: the whole message went, then the connection dropped before the server's reply.
  enum class Kind { kSent, kTemporary, kPermanent, kUncertain };
  Kind kind = Kind::kTemporary;
  std::string reply;        // the server's words ("250 2.0.0 Ok: queued as 4F3A") or the error
  bool connection = false;  // failed before any message command (connect, TLS, EHLO, AUTH)
};

struct DrainResult {
  int sent = 0, retrying = 0, failed = 0, uncertain = 0, recovered = 0;
  bool paused = false;    // the server could not be reached: the rest waits
  bool noServer = false;  // no mail server is configured (smtp.host): everything waits
};

class MailService {
 public:
  // `settings` as readSettings checked them (mail.from parses).
  // Drives `outbox`, the engine's port (the composition root hands it the database's).
  MailService(Services& services, engine::Outbox& outbox, MailSettings settings);
  ~MailService();
  MailService(const MailService&) = delete;
  MailService& operator=(const MailService&) = delete;

  const MailSettings& settings() const { return settings_; }
  // The demo mailbox every message goes into on a demo server (demo.mailbox=true); nullptr on
  // a real one.
  const Maildir* demoMailbox() const { return demoMailbox_.get(); }
  // Whether anything delivers mail: a configured mail server or the demo mailbox. Without
  // either, messages stay queued and noServerNotice() says so.
  bool canSend() const { return settings_.serverConfigured || demoMailbox_; }
  // "No mail server is configured (smtp.host): 3 messages are waiting …" for the trust admin's
  // mail page, /healthz and the CLI; empty when mail can be sent.
  std::string noServerNotice();

  // Renders a row into the message sent for it (same bytes apart from MIME boundaries on every
  // attempt; same Message-ID), `to` being the row's address as parsed. Every header is built
  // from checked values (web/mail/mail_headers.h). Subject as one line, for listings.
  std::unique_ptr<Poco::Net::MailMessage> compose(const engine::OutboxMessage& m,
                                                  const engine::EmailAddress& to) const;
  std::string subject(const engine::OutboxMessage& m) const;
  std::string messageId(const engine::OutboxMessage& m) const;

  // Sends due rows until none is due now, or the server cannot be reached.
  DrainResult drain();
  // Sends a test message straight away (recorded in the outbox) and reports the server's words.
  SmtpOutcome sendTest(const engine::EmailAddress& to);
  // The admin's view of the outbox: counts per status, the newest rows (`status` "" for all),
  // and a failed or retrying row queued again now (false when there is none such).
  engine::OutboxCounts counts();
  std::vector<engine::OutboxMessage> list(const std::string& status, int limit);
  bool retry(engine::Id id);
  // The trust admin sends an uncertain row again (same Message-ID), audited as "mail.resend".
  // REQUIRES: the caller checked engine::may(a, Action::kManageMail). False when the row is not
  // (or no longer) uncertain.
  bool resendUncertain(const engine::Actor& a, engine::Id id);
  int uncertainCount();  // /healthz

  // serve's Scheduler: today's reminders (throttled; catching up missed days), then the sender.
  void tick();
  void wake();
  // The disk filled (Services::diskFull): each active trust admin gets one email for this time
  // it filled, sent straight over SMTP and not recorded in the outbox (which cannot take a row
  // while the disk is full). An address not reached yet is tried again on the sender's next
  // round while the disk stays full; a new email only after it cleared and filled again. Called
  // by the sender thread.
  void alertDiskFull();

 private:
  void senderLoop();
  SmtpOutcome deliver(const engine::OutboxMessage& m, std::unique_ptr<SmtpConnection>& conn);
  bool settle(const engine::OutboxMessage& m, const SmtpOutcome& out, DrainResult& r);
  std::optional<engine::CalendarEntry> calendarEntry(const engine::OutboxMessage& m) const;
  std::string render(const std::string& kind, const std::string& part,
                     const engine::OutboxMessage& m, const std::string& subject) const;

  Services& services_;
  engine::Outbox& outbox_;
  const MailSettings settings_;
  const engine::Mailbox from_;                    // settings_.from, parsed
  std::unique_ptr<Maildir> demoMailbox_;          // settings_.demoMaildir, when set
  std::map<std::string, std::string> templates_;  // "<kind>.<part>" → source
  const std::string owner_;                       // "pid:<n>:<start>" for rows we hold "sending"
  std::mutex drainMutex_;                         // one drain at a time in this process
  engine::TimePoint pausedUntil_{};
  std::optional<engine::Date> lastReminderDay_;
  std::chrono::steady_clock::time_point lastReminderRun_{};

  std::uint64_t diskAlertEpisode_ = 0;   // the sender thread's own
  std::set<std::string> diskAlertedTo_;  // reached about that episode

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread sender_;
};

void registerMailRoutes(Router& router);

}  // namespace sendflow::web
