#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <functional>
#include <kainjow/mustache.hpp>
#include <sstream>

#include "app/services.h"
#include "http/paths.h"
#include "mail/mail.h"
#include "mail/mail_headers.h"
#include "mail/smtp_connection.h"
#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/auth.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::web {

using engine::OutboxMessage;
namespace mustache = kainjow::mustache;

namespace {

// Poco JSON → Mustache data (objects, arrays, strings, numbers, booleans).
mustache::data toData(const Poco::Dynamic::Var& v) {
  if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
    mustache::data d;
    auto o = v.extract<Poco::JSON::Object::Ptr>();
    for (const auto& [k, val] : *o) d.set(k, toData(val));
    return d;
  }
  if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
    mustache::data list{mustache::data::type::list};
    auto a = v.extract<Poco::JSON::Array::Ptr>();
    for (const auto& item : *a) list.push_back(toData(item));
    return list;
  }
  if (v.isBoolean())
    return v.extract<bool>() ? mustache::data(mustache::data::type::bool_true)
                             : mustache::data(mustache::data::type::bool_false);
  if (v.isEmpty()) return mustache::data(std::string());
  return mustache::data(v.convert<std::string>());
}

Poco::JSON::Object::Ptr messageData(const OutboxMessage& m) {
  try {
    return Poco::JSON::Parser()
        .parse(m.data.empty() ? "{}" : m.data)
        .extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    return new Poco::JSON::Object;
  }
}

// For log lines: a stored value with a line break cannot forge a second log entry.
std::string printable(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += '?';
    else
      out += c;
  }
  return out;
}

bool processAlive(long pid) {
  return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

MailService::MailService(Services& services, engine::Outbox& outbox, MailSettings settings)
    : services_(services),
      outbox_(outbox),
      settings_(std::move(settings)),
      from_(engine::parseMailbox(settings_.from).value()),
      owner_("pid:" + std::to_string(::getpid()) + ":" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())) {
  if (!settings_.demoMaildir.empty())
    demoMailbox_ = std::make_unique<Maildir>(settings_.demoMaildir);
  const std::string dir = services.settings().webRoot + "/templates/mail";
  if (!Poco::File(dir).exists())
    throw std::runtime_error("the mail templates folder " + dir + " does not exist");
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
    Poco::Path p(it->path());
    if (p.getExtension() != "mustache") continue;
    Poco::FileInputStream in(it->path());
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    // "<kind>.<part>" in English, "<kind>.<part>@<tag>" in each other language when the
    // template has {{#t}} messages (a text part's placeholders become {{{x}}}: mail text is
    // not HTML).
    const std::string base = p.getBaseName();  // "review_reminder.txt"
    const bool html = Poco::Path(base).getExtension() == "html";
    const bool translatable = text.find("{{#t}}") != std::string::npos;
    const auto& tr = services.translations();
    for (const auto& lang : tr.languages()) {
      const bool english = lang.tag == kEnglish;
      if (!english && !translatable) continue;
      std::string source = translateTemplate(p.getFileName(), text, tr, lang.tag,
                                             html ? TextKind::kHtml : TextKind::kPlain);
      mustache::mustache t(source);
      if (!t.is_valid())
        throw std::runtime_error("mail template " + p.getFileName() +
                                 (english ? "" : " in " + lang.tag) + ": " + t.error_message());
      templates_.emplace(english ? base : base + "@" + lang.tag, std::move(source));
    }
  }
  for (const char* kind :
       {engine::mailkind::kReview, engine::mailkind::kEscalation, engine::mailkind::kDeadline,
        engine::mailkind::kDigest, engine::mailkind::kNotice, engine::mailkind::kTest,
        engine::mailkind::kSignInFailures, "disk_full"})
    for (const char* part : {"subject", "txt", "html"})
      if (!templates_.count(std::string(kind) + "." + part))
        throw std::runtime_error("mail template " + std::string(kind) + "." + part +
                                 ".mustache is missing");
}

MailService::~MailService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

std::string MailService::render(const std::string& kind, const std::string& part,
                                const OutboxMessage& m, const std::string& subject) const {
  Poco::JSON::Object::Ptr data = messageData(m);
  // A contact's language, as the engine recorded it when it queued the message (staff: none).
  std::string lang(kEnglish);
  if (data->has("lang") && services_.translations().find(data->getValue<std::string>("lang")))
    lang = data->getValue<std::string>("lang");
  auto it = templates_.find(kind + "." + part + "@" + lang);
  if (it == templates_.end()) it = templates_.find(kind + "." + part);
  if (it == templates_.end()) throw std::logic_error("no mail template " + kind + "." + part);
  mustache::data d;
  const std::string base = settings_.baseUrl;
  // A staff recipient who may not open plans (a SEND governor) gets no links to them: the
  // reviews overview is their way in (engine/access.h).
  bool planLinks = true;
  if (m.academyId != 0) {
    if (auto staff = services_.auth().actorByEmail(m.toAddress))
      planLinks = engine::may(*staff, engine::Action::kViewPlan, m.academyId);
  }
  auto addLinks = [&](Poco::JSON::Array::Ptr arr) {
    if (!arr || !planLinks) return;
    for (size_t i = 0; i < arr->size(); ++i) {
      auto o = arr->getObject(static_cast<unsigned>(i));
      if (o && o->has("plan_id"))
        o->set("link", base + paths::plan(o->get("plan_id").convert<engine::Id>()));
    }
  };
  for (const char* key : {"overdue", "due", "deadlines"}) addLinks(data->getArray(key));
  d = toData(Poco::Dynamic::Var(data));
  // A signer slot's label in a contact's language: the workflow's own words (recorded by the
  // engine), else the catalogue's (the shipped labels), else English.
  if (lang != kEnglish && data->has("slot")) {
    const std::string english = data->getValue<std::string>("slot");
    d.set("slot", data->has("slot_words") ? data->getValue<std::string>("slot_words")
                                          : services_.translations().text(lang, english));
  }
  if (data->has("plan_id") && planLinks)
    d.set("link", base + paths::plan(data->get("plan_id").convert<engine::Id>()));
  // Signing and download links: a contact's own link, derived from its salt only now; staff
  // sign and download on the plan's page.
  if (data->has("link_salt")) {
    const std::string token =
        services_.signatures().linkTokenFor(data->getValue<std::string>("link_salt"));
    const std::string path =
        m.kind == engine::mailkind::kSigned ? paths::signerSealed(token) : paths::signerLink(token);
    d.set("sign_path", path);
    d.set("download_path", path);
    if (m.kind == engine::mailkind::kSigned) d.set("review_path", paths::signerReview(token));
  } else if (data->has("plan_id")) {
    const engine::Id planId = data->get("plan_id").convert<engine::Id>();
    d.set("sign_path", paths::planSign(planId));
    d.set("download_path", paths::planSealed(planId));
  }
  if (data->has("contribute_salt"))
    d.set("contribute_path", paths::contributorLink(services_.contributions().linkTokenFor(
                                 data->getValue<std::string>("contribute_salt"))));
  d.set("base_url", base);
  d.set("dashboard_link", base + "/governor");
  const std::string phase = data->optValue<std::string>("phase", "");
  d.set("phase_before", phase == "before");
  d.set("phase_due", phase == "due");
  d.set("phase_overdue", phase == "overdue");
  if (!data->has("recipient_name"))
    d.set("recipient_name", m.toName.empty() ? std::string("colleague") : m.toName);
  d.set("subject", subject);
  // A code's lifetime with its noun in the language's grammar (ICU): "10 minutes", "10 minut".
  if (data->has("minutes")) d.set("duration", localMinutes(lang, data->getValue<long>("minutes")));
  // The link's expiry written out in the contact's language, date and time in England, by ICU
  // (the engine's "expires" is English). Messages queued before "expires_at" carry the date.
  if (lang != kEnglish && data->has("expires_at"))
    d.set("expires", localDateTime(lang, data->getValue<std::string>("expires_at")));
  else if (lang != kEnglish && data->has("expires_on"))
    d.set("expires", localDate(lang, data->getValue<std::string>("expires_on")));
  mustache::mustache t(it->second);
  return t.render(d);
}

std::string MailService::subject(const OutboxMessage& m) const {
  return mailheader::oneLine(render(m.kind, "subject", m, ""));
}

std::string MailService::messageId(const OutboxMessage& m) const {
  return "<sendflow." + std::to_string(m.id) + "." + engine::sha256Hex(m.key).substr(0, 16) + "@" +
         mailHostName(settings_.baseUrl) + ">";
}

std::unique_ptr<Poco::Net::MailMessage> MailService::compose(const OutboxMessage& m,
                                                             const engine::EmailAddress& to) const {
  const std::string subj = subject(m);
  auto msg = std::make_unique<Poco::Net::MailMessage>();
  // Every value below is a checked address, an encoded phrase or text, or ours (ids, dates).
  // No MailRecipient: Poco 1.11 would rebuild To from it without encoding (see mail_headers.h).
  msg->set("From", mailheader::mailbox(from_.address, from_.name, 6));
  msg->set("To", mailheader::mailbox(to, m.toName, 4));
  msg->set("Subject", mailheader::unstructured(subj, 9));
  msg->setDate(
      Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(engine::toUnix(m.createdAt))));
  msg->set("Message-ID", messageId(m));
  msg->set("Auto-Submitted", "auto-generated");
  // multipart/alternative { text, html }, inside multipart/mixed with the calendar entry if any.
  auto alternative = std::make_unique<Poco::Net::MultipartSource>("multipart/alternative");
  alternative->addPart(
      "",
      new Poco::Net::StringPartSource(render(m.kind, "txt", m, subj), "text/plain; charset=UTF-8"),
      Poco::Net::MailMessage::CONTENT_INLINE, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  alternative->addPart(
      "",
      new Poco::Net::StringPartSource(render(m.kind, "html", m, subj), "text/html; charset=UTF-8"),
      Poco::Net::MailMessage::CONTENT_INLINE, Poco::Net::MailMessage::ENCODING_QUOTED_PRINTABLE);
  msg->addPart("", alternative.release(), Poco::Net::MailMessage::CONTENT_INLINE,
               Poco::Net::MailMessage::ENCODING_7BIT);
  if (auto entry = calendarEntry(m)) {
    const std::string name = m.kind == engine::mailkind::kDeadline ? "meeting.ics" : "review.ics";
    msg->addAttachment(
        name,
        new Poco::Net::StringPartSource(engine::calendarText(*entry),
                                        "text/calendar; charset=UTF-8; method=PUBLISH", name),
        Poco::Net::MailMessage::ENCODING_BASE64);
  }
  mailheader::requireSafeHeaders(*msg);
  return msg;
}

// The all-day entry a reminder carries (data "ics_date"): the review date, or the EHCP meeting.
std::optional<engine::CalendarEntry> MailService::calendarEntry(const OutboxMessage& m) const {
  const auto data = messageData(m);
  const auto day = engine::parseIsoDate(data->optValue<std::string>("ics_date", ""));
  if (!day) return std::nullopt;
  const bool meeting = m.kind == engine::mailkind::kDeadline;
  const std::string planId = std::to_string(data->optValue<Poco::Int64>("plan_id", 0));
  engine::CalendarEntry e;
  std::string compact = engine::isoDate(*day);
  compact.erase(std::remove(compact.begin(), compact.end(), '-'), compact.end());
  e.uid = "sendflow-" + std::string(meeting ? "meeting-" : "review-") + planId + "-" + compact +
          "@" + mailHostName(settings_.baseUrl);
  e.stamp = m.createdAt;
  e.day = *day;
  e.summary = (meeting ? "EHCP annual review meeting: " : "Review due: ") +
              data->optValue<std::string>("plan_title", "plan") + " for " +
              data->optValue<std::string>("initials", "");
  e.url = settings_.baseUrl + "/plans/" + planId;
  e.description = e.url;
  return e;
}

DrainResult MailService::drain() {
  std::lock_guard drainLock(drainMutex_);
  DrainResult r;
  auto& box = outbox_;
  // Rows another (dead) process left "sending".
  std::vector<std::string> live;
  for (const auto& owner : box.sendingOwners()) {
    long pid = 0;
    if (owner.rfind("pid:", 0) == 0) pid = std::strtol(owner.c_str() + 4, nullptr, 10);
    bool mine = owner == owner_;
    if (mine || (pid != ::getpid() && processAlive(pid))) live.push_back(owner);
  }
  const auto now0 = services_.clock().now();
  r.recovered = box.recoverAbandoned(live, now0, now0 - std::chrono::minutes(30));
  if (r.recovered)
    services_.log().warning("mail: %s interrupted while sending will be sent again",
                            engine::countOf(r.recovered, "message", "messages"));
  if (!canSend()) {
    r.noServer = true;
    return r;
  }
  if (now0 < pausedUntil_) {
    r.paused = true;
    return r;
  }
  std::unique_ptr<SmtpConnection> conn;
  while (auto m = box.claim(services_.clock().now(), owner_)) {
    if (!settle(*m, deliver(*m, conn), r)) break;
  }
  return r;
}

// One claimed row through the connection (opened on first use, dropped after a fault).
SmtpOutcome MailService::deliver(const OutboxMessage& m, std::unique_ptr<SmtpConnection>& conn) {
  auto to = engine::parseEmailAddress(m.toAddress);
  if (!to)
    return {SmtpOutcome::Kind::kPermanent,
            "not sent: the recipient address is not valid: " + to.error().message, false};
  try {
    auto msg = compose(m, *to);
    if (demoMailbox_) {  // a demo server: the message is kept, never sent
      const std::string name = demoMailbox_->deliver(*msg, m.id, m.createdAt);
      return {SmtpOutcome::Kind::kSent, "kept in the demo mailbox as " + name, false};
    }
    if (!conn) conn = std::make_unique<SmtpConnection>(settings_);
    auto out = conn->send(from_.address, *to, *msg,
                          [&] { outbox_.markHandedOver(m.id, services_.clock().now()); });
    if (out.kind == SmtpOutcome::Kind::kUncertain) conn.reset();  // the connection is gone
    return out;
  } catch (const Poco::Exception& e) {
    conn.reset();
    return connectionFailure(settings_, e);
  } catch (const std::logic_error& e) {  // a header or command that failed its last check
    conn.reset();
    return {SmtpOutcome::Kind::kPermanent, std::string("not sent: ") + e.what(), false};
  } catch (const std::exception& e) {
    conn.reset();
    return {SmtpOutcome::Kind::kTemporary, std::string("could not send: ") + e.what(), true};
  }
}

// Records the outcome of one row; false when the server is unreachable and the rest must wait.
bool MailService::settle(const OutboxMessage& m, const SmtpOutcome& out, DrainResult& r) {
  auto& box = outbox_;
  const auto after = services_.clock().now();
  if (out.kind == SmtpOutcome::Kind::kSent) {
    box.markSent(m.id, after, out.reply);
    ++r.sent;
    return true;
  }
  if (out.kind == SmtpOutcome::Kind::kUncertain) {
    box.markUncertain(m.id, out.reply);
    services_.log().warning("mail %d to %s is uncertain: %s", static_cast<int>(m.id),
                            printable(m.toAddress), printable(out.reply));
    ++r.uncertain;
    return true;
  }
  if (out.kind == SmtpOutcome::Kind::kPermanent) {
    box.markFailed(m.id, out.reply);
    services_.log().warning("mail %d to %s failed: %s", static_cast<int>(m.id),
                            printable(m.toAddress), printable(out.reply));
    ++r.failed;
    return true;
  }
  // Temporary: exponential backoff from the first attempt, giving up after giveUpAfterHours.
  int shift = std::min(m.attempts - 1, 20);
  long long step = std::min<long long>(static_cast<long long>(settings_.retryBaseSeconds) << shift,
                                       settings_.retryMaxStepSeconds);
  auto next = after + std::chrono::seconds(step);
  if (next - m.createdAt > std::chrono::hours(settings_.giveUpAfterHours)) {
    box.markFailed(m.id, "gave up after " + std::to_string(settings_.giveUpAfterHours) +
                             " hours of temporary failures; last: " + out.reply);
    ++r.failed;
  } else {
    box.markRetry(m.id, next, out.reply);
    ++r.retrying;
  }
  services_.log().warning("mail %d to %s: %s (attempt %d)", static_cast<int>(m.id),
                          printable(m.toAddress), printable(out.reply), m.attempts);
  if (!out.connection) return true;
  // The server is unreachable: no point trying the rest now (no retry storm).
  pausedUntil_ =
      after + std::chrono::seconds(std::min<long long>(step, settings_.retryBaseSeconds));
  r.paused = true;
  return false;
}

engine::OutboxCounts MailService::counts() { return outbox_.counts(); }

std::vector<engine::OutboxMessage> MailService::list(const std::string& status, int limit) {
  return outbox_.list(status, limit);
}

bool MailService::retry(engine::Id id) { return outbox_.retry(id, services_.clock().now()); }

int MailService::uncertainCount() { return outbox_.uncertainCount(); }

bool MailService::resendUncertain(const engine::Actor& a, engine::Id id) {
  return outbox_.resendUncertain(
      id, services_.clock().now(),
      {"mail.resend", engine::auditActor(a), "outbox", id, 0, "{\"was\":\"uncertain\"}"});
}

std::string MailService::noServerNotice() {
  if (canSend()) return "";
  const auto c = outbox_.counts();
  return "No mail server is configured (set smtp.host): " +
         engine::countOf(c.queued + c.retrying, "message is", "messages are") +
         " waiting in the outbox and will be sent once one is.";
}

SmtpOutcome MailService::sendTest(const engine::EmailAddress& to) {
  if (!canSend())
    return {SmtpOutcome::Kind::kTemporary,
            "no mail server is configured (set smtp.host): nothing was sent", true};
  const auto now = services_.clock().now();
  OutboxMessage m;
  m.kind = engine::mailkind::kTest;
  m.key = "test:" + std::to_string(engine::toUnix(now)) + ":" + to.str() + ":" +
          std::to_string(::getpid()) + ":" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  m.toAddress = to.str();
  m.data = "{}";
  m.createdAt = now;
  m.nextAttemptAt = now + std::chrono::hours(24 * 365 * 10);  // not for the sender: settled below
  m.id = outbox_.enqueue(m);
  std::unique_ptr<SmtpConnection> conn;
  const SmtpOutcome out = deliver(m, conn);
  if (out.kind == SmtpOutcome::Kind::kSent)
    outbox_.markSent(m.id, services_.clock().now(), out.reply);
  else if (out.kind == SmtpOutcome::Kind::kUncertain)
    outbox_.markUncertain(m.id, out.reply);
  else
    outbox_.markFailed(m.id, out.reply);
  return out;
}

void MailService::tick() {
  const auto now = services_.clock().now();
  const auto today = engine::dateOf(now);
  const auto steady = std::chrono::steady_clock::now();
  if (!lastReminderDay_ || *lastReminderDay_ != today ||
      steady - lastReminderRun_ >= std::chrono::seconds(settings_.reminderEverySeconds)) {
    auto run = services_.reminders().run(today, false);
    lastReminderDay_ = today;
    lastReminderRun_ = steady;
    if (run.queued)
      services_.log().information("reminders %s..%s: %s queued", run.from, run.to,
                                  engine::countOf(run.queued, "new message", "new messages"));
  }
  {
    std::lock_guard lock(mutex_);
    if (!sender_.joinable() && !stopping_) sender_ = std::thread([this] { senderLoop(); });
  }
  wake();
}

void MailService::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void MailService::alertDiskFull() {
  const auto full = services_.diskFull();
  if (!full || !settings_.serverConfigured) return;  // nowhere to send it (or a demo)
  if (full->episode != diskAlertEpisode_) {
    diskAlertEpisode_ = full->episode;
    diskAlertedTo_.clear();
  }
  auto& people = services_.people();
  std::unique_ptr<SmtpConnection> conn;
  for (const auto& u : people.users(people.cliOperator())) {
    const bool admin = std::any_of(u.memberships.begin(), u.memberships.end(), [](const auto& m) {
      return m.role == engine::Role::kTrustAdmin;
    });
    if (!u.active || !admin || diskAlertedTo_.count(u.email)) continue;
    auto to = engine::parseEmailAddress(u.email);
    if (!to) continue;
    OutboxMessage m;
    m.kind = "disk_full";
    m.key = "disk-full:" + engine::isoTime(full->since) + ":" + u.email;
    m.toAddress = u.email;
    m.toName = u.name;
    m.createdAt = services_.clock().now();
    Poco::JSON::Object data;
    data.set("since", engine::ukDateTime(full->since));
    std::ostringstream json;
    data.stringify(json);
    m.data = json.str();
    SmtpOutcome out{SmtpOutcome::Kind::kTemporary, "", true};
    try {
      if (!conn) conn = std::make_unique<SmtpConnection>(settings_);
      out = conn->send(from_.address, *to, *compose(m, *to));
    } catch (const Poco::Exception& e) {
      conn.reset();
      out = connectionFailure(settings_, e);
    }
    if (out.kind == SmtpOutcome::Kind::kSent) {
      diskAlertedTo_.insert(u.email);
      services_.log().warning("the disk is full: told trust admin user %s by email",
                              std::to_string(u.id));
    } else {
      services_.log().error("the disk is full: the email to trust admin user %s failed: %s",
                            std::to_string(u.id), out.reply);
    }
  }
}

void MailService::senderLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    try {
      alertDiskFull();
    } catch (const std::exception& e) {
      services_.log().error("mail sender: the disk-full alert: %s", std::string(e.what()));
    }
    try {
      drain();
    } catch (const std::exception& e) {
      services_.log().error("mail sender: %s", std::string(e.what()));
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(settings_.pollSeconds),
                   [this] { return stopping_ || woken_; });
  }
}

}  // namespace sendflow::web
