#include "sendflow/web/mail.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/MailRecipient.h>
#include <Poco/Net/MailStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/QuotedPrintableEncoder.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StringPartSource.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>

#include <kainjow/mustache.hpp>

#include <cerrno>
#include <csignal>
#include <functional>
#include <sstream>
#include <unistd.h>

#include "sendflow/engine/crypto.h"
#include "sendflow/engine/form_values.h"
#include "sendflow/web/app.h"
#include "sendflow/web/config.h"

namespace sendflow::web {

using engine::OutboxMessage;
namespace mustache = kainjow::mustache;

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "Name <a@b>" → "a@b"
std::string bareAddress(const std::string& s) {
  auto lt = s.find('<');
  auto gt = s.rfind('>');
  if (lt != std::string::npos && gt != std::string::npos && gt > lt) return s.substr(lt + 1, gt - lt - 1);
  return s;
}

std::string firstLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  auto nl = s.find_first_of("\r\n");
  if (nl != std::string::npos) s = s.substr(0, nl);
  return s;
}

// The host part of base_url ("https://send.trust.test:8443/x" → "send.trust.test").
std::string hostOf(const std::string& url) {
  std::string h = url;
  if (auto p = h.find("://"); p != std::string::npos) h = h.substr(p + 3);
  h = h.substr(0, h.find_first_of("/?#"));
  if (auto at = h.rfind('@'); at != std::string::npos) h = h.substr(at + 1);
  if (!h.empty() && h[0] == '[') h = h.substr(1, h.find(']') - 1);
  else h = h.substr(0, h.find(':'));
  return h.empty() ? "localhost" : h;
}

std::string trimReply(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

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
  if (v.isBoolean()) return v.extract<bool>() ? mustache::data(mustache::data::type::bool_true)
                                              : mustache::data(mustache::data::type::bool_false);
  if (v.isEmpty()) return mustache::data(std::string());
  return mustache::data(v.convert<std::string>());
}

std::string icsEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ',' || c == ';' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string qp(const std::string& text) {
  std::ostringstream out;
  Poco::Net::QuotedPrintableEncoder enc(out);
  enc << text;
  enc.close();
  return out.str();
}

int envInt(const Poco::Util::AbstractConfiguration& c, const std::string& key, int fallback) {
  return c.getInt(key, fallback);
}

// Exposes the dialog socket (protected in Poco) so we can read the reply to the end of DATA.
template <class Base>
class Session : public Base {
 public:
  using Base::Base;
  Poco::Net::DialogSocket& dialog() { return this->socket(); }
};

class SmtpConnection {
 public:
  explicit SmtpConnection(const MailSettings& s) : s_(s) {
    const auto port = static_cast<Poco::UInt16>(s.port);
    const auto timeout = Poco::Timespan(s.timeoutSeconds, 0);
    Poco::Net::Context::Ptr ctx;
    if (s.tls != "none") {
      ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                   s.verifyCertificate ? Poco::Net::Context::VERIFY_RELAXED
                                                       : Poco::Net::Context::VERIFY_NONE,
                                   9, true);
    }
    if (s.tls == "tls") {
      Poco::Net::SocketAddress addr(s.host, port);
      Poco::Net::SecureStreamSocket sock(ctx);
      sock.setPeerHostName(s.host);
      sock.connect(addr, timeout);
      plain_ = std::make_unique<Session<Poco::Net::SMTPClientSession>>(sock);
      session().setTimeout(timeout);
      session().login(helo());
    } else if (s.tls == "starttls") {
      Poco::Net::StreamSocket sock;
      sock.connect(Poco::Net::SocketAddress(s.host, port), timeout);
      secure_ = std::make_unique<Session<Poco::Net::SecureSMTPClientSession>>(sock);
      secure_->setTimeout(timeout);
      secure_->login(helo());
      if (!secure_->startTLS(ctx))
        throw Poco::Net::SMTPException("the server does not offer STARTTLS (smtp.tls=starttls)");
      secure_->login(helo());
    } else {
      Poco::Net::StreamSocket sock;
      sock.connect(Poco::Net::SocketAddress(s.host, port), timeout);
      plain_ = std::make_unique<Session<Poco::Net::SMTPClientSession>>(sock);
      plain_->setTimeout(timeout);
      plain_->login(helo());
    }
    if (!s.user.empty()) {
      session().login(s.auth == "plain" ? Poco::Net::SMTPClientSession::AUTH_PLAIN
                                        : Poco::Net::SMTPClientSession::AUTH_LOGIN,
                      s.user, s.password);
    }
  }

  ~SmtpConnection() {
    try {
      session().close();  // QUIT
    } catch (...) {
    }
  }

  // One SMTP transaction. Never throws for a server's answer; throws Poco exceptions for
  // transport failures (the caller treats them as temporary).
  SmtpOutcome send(const std::string& from, const std::string& to, const Poco::Net::MailMessage& msg,
                   const std::function<void()>& handedOver = [] {}) {
    std::string reply;
    int st = session().sendCommand("MAIL FROM:<" + from + ">", reply);
    if (st / 100 != 2) return rejected(st, "the server refused the sender " + from + ": " + reply);
    st = session().sendCommand("RCPT TO:<" + to + ">", reply);
    if (st / 100 != 2) return rejected(st, "the server refused the recipient " + to + ": " + reply);
    st = session().sendCommand("DATA", reply);
    if (st / 100 != 3) return rejected(st, "the server refused the message: " + reply);
    // The body (dot-stuffed) first; then, once handedOver() has recorded it, the terminator.
    std::ostringstream body;
    {
      Poco::Net::MailOutputStream mailStream(body);
      msg.write(mailStream);
      mailStream.close();  // appends [CRLF] "." CRLF
    }
    std::string data = body.str();
    data.resize(data.size() - 3);  // without ".\r\n": the body now ends in CRLF
    sendAll(data);
    handedOver();
    sendAll(".\r\n");
    st = dialog().receiveStatusMessage(reply);
    if (st / 100 != 2) {
      SmtpOutcome o;
      o.kind = st / 100 == 5 ? SmtpOutcome::Kind::kPermanent : SmtpOutcome::Kind::kTemporary;
      o.reply = "the server refused the message: " + trimReply(reply);
      return o;
    }
    return {SmtpOutcome::Kind::kSent, trimReply(reply), false};
  }

 private:
  Poco::Net::SMTPClientSession& session() {
    return plain_ ? static_cast<Poco::Net::SMTPClientSession&>(*plain_) : *secure_;
  }
  Poco::Net::DialogSocket& dialog() { return plain_ ? plain_->dialog() : secure_->dialog(); }
  void sendAll(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      int n = dialog().sendBytes(bytes.data() + done, static_cast<int>(bytes.size() - done));
      if (n <= 0) throw Poco::Net::NetException("the connection to the SMTP server closed");
      done += static_cast<size_t>(n);
    }
  }
  std::string helo() const { return hostOf(s_.baseUrl); }
  SmtpOutcome rejected(int status, const std::string& text) {
    std::string ignored;
    try {
      session().sendCommand("RSET", ignored);
    } catch (...) {
    }
    SmtpOutcome o;
    o.kind = status / 100 == 5 ? SmtpOutcome::Kind::kPermanent : SmtpOutcome::Kind::kTemporary;
    o.reply = trimReply(text);
    return o;
  }

  const MailSettings& s_;
  std::unique_ptr<Session<Poco::Net::SMTPClientSession>> plain_;
  std::unique_ptr<Session<Poco::Net::SecureSMTPClientSession>> secure_;
};

// A failure to reach or talk to the server at all, in words an admin can act on.
SmtpOutcome connectionFailure(const MailSettings& s, const Poco::Exception& e) {
  SmtpOutcome o;
  o.connection = true;
  std::string where = s.host + ":" + std::to_string(s.port);
  if (dynamic_cast<const Poco::Net::SMTPException*>(&e)) {
    // Greeting, EHLO, STARTTLS or AUTH refused: the server's own words.
    o.reply = "the SMTP server " + where + " refused the session: " + firstLine(e.message());
    if (e.code() / 100 == 5 || e.code() / 100 == 4) o.reply += " (reply code " + std::to_string(e.code()) + ")";
  } else if (dynamic_cast<const Poco::Net::ConnectionRefusedException*>(&e)) {
    o.reply = "could not connect to the SMTP server " + where + ": connection refused";
  } else if (dynamic_cast<const Poco::TimeoutException*>(&e)) {
    o.reply = "the SMTP server " + where + " did not answer in time";
  } else {
    o.reply = "could not talk to the SMTP server " + where + ": " + e.displayText();
  }
  o.kind = SmtpOutcome::Kind::kTemporary;
  return o;
}

bool processAlive(long pid) { return pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM); }

}  // namespace

MailSettings mailSettings() {
  auto config = loadConfiguration();
  const auto& c = *config;
  MailSettings s;
  s.host = c.getString("smtp.host", s.host);
  s.tls = lower(c.getString("smtp.tls", "none"));
  if (s.tls != "none" && s.tls != "starttls" && s.tls != "tls")
    throw std::runtime_error("smtp.tls must be none, starttls or tls (it is '" + s.tls + "')");
  s.port = envInt(c, "smtp.port", s.tls == "tls" ? 465 : s.tls == "starttls" ? 587 : 25);
  s.user = c.getString("smtp.user", "");
  s.password = c.getString("smtp.password", "");
  s.auth = lower(c.getString("smtp.auth", "login"));
  s.verifyCertificate = c.getBool("smtp.verify_certificate", true);
  s.timeoutSeconds = envInt(c, "smtp.timeout_seconds", 30);
  s.from = c.getString("mail.from", s.from);
  s.retryBaseSeconds = std::max(1, envInt(c, "mail.retry_base_seconds", 60));
  s.retryMaxStepSeconds = std::max(1, envInt(c, "mail.retry_max_step_seconds", 4 * 3600));
  s.giveUpAfterHours = std::max(1, envInt(c, "mail.give_up_after_hours", 72));
  s.pollSeconds = std::max(1, envInt(c, "mail.poll_seconds", 2));
  s.reminderEverySeconds = std::max(1, envInt(c, "reminders.every_seconds", 600));
  return s;
}

engine::ReminderSettings reminderSettings() {
  auto config = loadConfiguration();
  engine::ReminderSettings r;
  const std::string day = lower(config->getString("reminders.digest_weekday", "monday"));
  const char* names[] = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"};
  bool found = false;
  for (unsigned i = 0; i < 7; ++i)
    if (day == names[i] || day == std::string(names[i]).substr(0, 3)) r.digestWeekday = std::chrono::weekday{i}, found = true;
  if (!found) throw std::runtime_error("reminders.digest_weekday must be a day of the week (it is '" + day + "')");
  r.catchUpDays = std::max(1, config->getInt("reminders.catch_up_days", 31));
  return r;
}

MailService::MailService(App& app)
    : app_(app),
      settings_([&] {
        auto s = mailSettings();
        s.baseUrl = app.settings.baseUrl;
        return s;
      }()),
      owner_("pid:" + std::to_string(::getpid()) + ":" +
             std::to_string(std::chrono::steady_clock::now().time_since_epoch().count())) {
  const std::string dir = app.settings.webRoot + "/templates/mail";
  if (!Poco::File(dir).exists()) throw std::runtime_error("the mail templates folder " + dir + " does not exist");
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
    Poco::Path p(it->path());
    if (p.getExtension() != "mustache") continue;
    Poco::FileInputStream in(it->path());
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    mustache::mustache t(text);
    if (!t.is_valid()) throw std::runtime_error("mail template " + p.getFileName() + ": " + t.error_message());
    templates_.emplace(p.getBaseName(), text);  // "review_reminder.txt"
  }
  for (const char* kind : {engine::mailkind::kReview, engine::mailkind::kEscalation, engine::mailkind::kDeadline,
                           engine::mailkind::kDigest, engine::mailkind::kNotice, engine::mailkind::kTest})
    for (const char* part : {"subject", "txt", "html"})
      if (!templates_.count(std::string(kind) + "." + part))
        throw std::runtime_error("mail template " + std::string(kind) + "." + part + ".mustache is missing");
}

MailService::~MailService() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (sender_.joinable()) sender_.join();
}

std::string MailService::render(const std::string& kind, const std::string& part, const OutboxMessage& m,
                                const std::string& subject) const {
  auto it = templates_.find(kind + "." + part);
  if (it == templates_.end()) throw std::logic_error("no mail template " + kind + "." + part);
  mustache::data d;
  Poco::JSON::Object::Ptr data;
  try {
    data = Poco::JSON::Parser().parse(m.data.empty() ? "{}" : m.data).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    data = new Poco::JSON::Object;
  }
  const std::string base = settings_.baseUrl;
  auto addLinks = [&](Poco::JSON::Array::Ptr arr) {
    if (!arr) return;
    for (size_t i = 0; i < arr->size(); ++i) {
      auto o = arr->getObject(static_cast<unsigned>(i));
      if (o && o->has("plan_id")) o->set("link", base + "/plans/" + o->get("plan_id").convert<std::string>());
    }
  };
  for (const char* key : {"overdue", "due", "deadlines"}) addLinks(data->getArray(key));
  d = toData(Poco::Dynamic::Var(data));
  if (data->has("plan_id")) d.set("link", base + "/plans/" + data->get("plan_id").convert<std::string>());
  if (data->has("link_salt") && app_.signatures) {  // a signer's own link, derived only now
    const std::string path = app_.signatures->contactPath(data->getValue<std::string>("link_salt")) +
                             data->optValue<std::string>("link_suffix", "");
    d.set("sign_path", path);
    d.set("download_path", path);
  }
  if (data->has("contribute_salt") && app_.contributions)
    d.set("contribute_path", app_.contributions->contactPath(data->getValue<std::string>("contribute_salt")));
  d.set("base_url", base);
  d.set("dashboard_link", base + "/governor");
  const std::string phase = data->optValue<std::string>("phase", "");
  d.set("phase_before", phase == "before");
  d.set("phase_due", phase == "due");
  d.set("phase_overdue", phase == "overdue");
  if (!data->has("recipient_name")) d.set("recipient_name", m.toName.empty() ? std::string("colleague") : m.toName);
  d.set("subject", subject);
  mustache::mustache t(it->second);
  return t.render(d);
}

std::string MailService::subject(const OutboxMessage& m) const {
  return firstLine(render(m.kind, "subject", m, ""));
}

std::string MailService::messageId(const OutboxMessage& m) const {
  return "<sendflow." + std::to_string(m.id) + "." + engine::sha256Hex(m.key).substr(0, 16) + "@" +
         hostOf(settings_.baseUrl) + ">";
}

std::unique_ptr<Poco::Net::MailMessage> MailService::compose(const OutboxMessage& m) const {
  const std::string subj = subject(m);
  const std::string text = render(m.kind, "txt", m, subj);
  const std::string html = render(m.kind, "html", m, subj);
  auto owned = std::make_unique<Poco::Net::MailMessage>();
  Poco::Net::MailMessage& msg = *owned;
  msg.setSender(settings_.from);
  msg.addRecipient(Poco::Net::MailRecipient(Poco::Net::MailRecipient::PRIMARY_RECIPIENT, m.toAddress, m.toName));
  msg.setSubject(Poco::Net::MailMessage::encodeWord(subj, "UTF-8"));
  msg.setDate(Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(engine::toUnix(m.createdAt))));
  msg.set("Message-ID", messageId(m));
  msg.set("Auto-Submitted", "auto-generated");
  // multipart/mixed { multipart/alternative { text, html }, calendar entry }
  const std::string boundary = "sendflow-alt-" + std::to_string(m.id);
  std::string alt = "--" + boundary +
                    "\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
                    qp(text) + "\r\n--" + boundary +
                    "\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
                    qp(html) + "\r\n--" + boundary + "--\r\n";
  msg.addPart("", new Poco::Net::StringPartSource(alt, "multipart/alternative; boundary=\"" + boundary + "\""),
              Poco::Net::MailMessage::CONTENT_INLINE, Poco::Net::MailMessage::ENCODING_7BIT);
  Poco::JSON::Object::Ptr data;
  try {
    data = Poco::JSON::Parser().parse(m.data.empty() ? "{}" : m.data).extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception&) {
    data = new Poco::JSON::Object;
  }
  const std::string icsDate = data->optValue<std::string>("ics_date", "");
  if (auto date = engine::parseIsoDate(icsDate)) {
    const bool meeting = m.kind == engine::mailkind::kDeadline;
    std::string compact = icsDate.substr(0, 4) + icsDate.substr(5, 2) + icsDate.substr(8, 2);
    std::string next = engine::isoDate(engine::Date{std::chrono::sys_days{*date} + std::chrono::days{1}});
    next = next.substr(0, 4) + next.substr(5, 2) + next.substr(8, 2);
    const std::string planId = data->has("plan_id") ? data->get("plan_id").convert<std::string>() : "0";
    const std::string link = settings_.baseUrl + "/plans/" + planId;
    const std::string summary = (meeting ? "EHCP annual review meeting: " : "Review due: ") +
                                data->optValue<std::string>("plan_title", "plan") + " for " +
                                data->optValue<std::string>("initials", "");
    std::string stamp = Poco::DateTimeFormatter::format(
        Poco::Timestamp::fromEpochTime(static_cast<std::time_t>(engine::toUnix(m.createdAt))), "%Y%m%dT%H%M%SZ");
    std::string ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sendflow//reminders//EN\r\nMETHOD:PUBLISH\r\n"
                      "BEGIN:VEVENT\r\nUID:sendflow-" + std::string(meeting ? "meeting-" : "review-") + planId + "-" +
                      compact + "@" + hostOf(settings_.baseUrl) + "\r\nDTSTAMP:" + stamp +
                      "\r\nDTSTART;VALUE=DATE:" + compact + "\r\nDTEND;VALUE=DATE:" + next +
                      "\r\nSUMMARY:" + icsEscape(summary) + "\r\nURL:" + link + "\r\nDESCRIPTION:" + icsEscape(link) +
                      "\r\nTRANSP:TRANSPARENT\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    msg.addAttachment(meeting ? "meeting.ics" : "review.ics",
                      new Poco::Net::StringPartSource(ics, "text/calendar; charset=UTF-8; method=PUBLISH"),
                      Poco::Net::MailMessage::ENCODING_BASE64);
  }
  return owned;
}

DrainResult MailService::drain() {
  std::lock_guard drainLock(drainMutex_);
  DrainResult r;
  auto& box = app_.outbox;
  // Rows another (dead) process left "sending".
  std::vector<std::string> live;
  for (const auto& owner : box.sendingOwners()) {
    long pid = 0;
    if (owner.rfind("pid:", 0) == 0) pid = std::strtol(owner.c_str() + 4, nullptr, 10);
    bool mine = owner == owner_;
    if (mine || (pid != ::getpid() && processAlive(pid))) live.push_back(owner);
  }
  const auto now0 = app_.clock.now();
  r.recovered = box.recoverAbandoned(live, now0, now0 - std::chrono::minutes(30));
  if (r.recovered) app_.log.warning("mail: %d message(s) interrupted while sending will be sent again", r.recovered);
  if (now0 < pausedUntil_) {
    r.paused = true;
    return r;
  }
  std::unique_ptr<SmtpConnection> conn;
  const std::string from = bareAddress(settings_.from);
  while (true) {
    const auto now = app_.clock.now();
    auto m = box.claim(now, owner_);
    if (!m) break;
    SmtpOutcome out;
    try {
      auto msg = compose(*m);
      if (!conn) {
        try {
          conn = std::make_unique<SmtpConnection>(settings_);
        } catch (const Poco::Exception& e) {
          out = connectionFailure(settings_, e);
        }
      }
      if (conn)
        out = conn->send(from, m->toAddress, *msg, [&] { box.markHandedOver(m->id, app_.clock.now()); });
    } catch (const Poco::Exception& e) {
      out = connectionFailure(settings_, e);
      conn.reset();
    } catch (const std::exception& e) {
      out = {SmtpOutcome::Kind::kTemporary, std::string("could not send: ") + e.what(), true};
      conn.reset();
    }
    const auto after = app_.clock.now();
    if (out.kind == SmtpOutcome::Kind::kSent) {
      box.markSent(m->id, after, out.reply);
      ++r.sent;
      continue;
    }
    if (out.kind == SmtpOutcome::Kind::kPermanent) {
      box.markFailed(m->id, out.reply);
      app_.log.warning("mail %d to %s failed: %s", static_cast<int>(m->id), m->toAddress, out.reply);
      ++r.failed;
      continue;
    }
    // Temporary: exponential backoff from the first attempt, giving up after giveUpAfterHours.
    int shift = std::min(m->attempts - 1, 20);
    long long step = std::min<long long>(static_cast<long long>(settings_.retryBaseSeconds) << shift,
                                         settings_.retryMaxStepSeconds);
    auto next = after + std::chrono::seconds(step);
    if (next - m->createdAt > std::chrono::hours(settings_.giveUpAfterHours)) {
      box.markFailed(m->id, "gave up after " + std::to_string(settings_.giveUpAfterHours) +
                                " hours of temporary failures; last: " + out.reply);
      ++r.failed;
    } else {
      box.markRetry(m->id, next, out.reply);
      ++r.retrying;
    }
    app_.log.warning("mail %d to %s: %s (attempt %d)", static_cast<int>(m->id), m->toAddress, out.reply, m->attempts);
    if (out.connection) {
      // The server is unreachable: no point trying the rest now (no retry storm).
      pausedUntil_ = after + std::chrono::seconds(std::min<long long>(step, settings_.retryBaseSeconds));
      r.paused = true;
      break;
    }
  }
  return r;
}

SmtpOutcome MailService::sendTest(const std::string& to) {
  const auto now = app_.clock.now();
  OutboxMessage m;
  m.kind = engine::mailkind::kTest;
  m.key = "test:" + std::to_string(engine::toUnix(now)) + ":" + to + ":" + std::to_string(::getpid()) + ":" +
          std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  m.toAddress = to;
  m.data = "{}";
  m.createdAt = now;
  m.nextAttemptAt = now + std::chrono::hours(24 * 365 * 10);  // not for the sender: settled below
  m.id = app_.outbox.enqueue(m);
  SmtpOutcome out;
  try {
    auto msg = compose(m);
    SmtpConnection conn(settings_);
    out = conn.send(bareAddress(settings_.from), to, *msg);
  } catch (const Poco::Exception& e) {
    out = connectionFailure(settings_, e);
  }
  if (out.kind == SmtpOutcome::Kind::kSent) app_.outbox.markSent(m.id, app_.clock.now(), out.reply);
  else app_.outbox.markFailed(m.id, out.reply);
  return out;
}

void MailService::tick() {
  const auto now = app_.clock.now();
  const auto today = engine::dateOf(now);
  const auto steady = std::chrono::steady_clock::now();
  if (!lastReminderDay_ || *lastReminderDay_ != today ||
      steady - lastReminderRun_ >= std::chrono::seconds(settings_.reminderEverySeconds)) {
    auto run = app_.reminders.run(today, false);
    lastReminderDay_ = today;
    lastReminderRun_ = steady;
    if (run.queued)
      app_.log.information("reminders %s..%s: %d new message(s) queued", run.from, run.to, run.queued);
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

void MailService::senderLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    try {
      drain();
    } catch (const std::exception& e) {
      app_.log.error("mail sender: %s", std::string(e.what()));
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::seconds(settings_.pollSeconds), [this] { return stopping_ || woken_; });
  }
}

}  // namespace sendflow::web
