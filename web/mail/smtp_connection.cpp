#include "mail/smtp_connection.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/MailStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SecureSMTPClientSession.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/URI.h>

#include <sstream>
#include <stdexcept>

#include "mail/mail_headers.h"

namespace sendflow::web {

POCO_IMPLEMENT_EXCEPTION(SmtpConnectionClosed, Poco::Net::NetException,
                         "the mail server closed the connection")

namespace {

std::string trimReply(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// Exposes the dialog socket (protected in Poco) so we can read the reply to the end of DATA.
template <class Base>
class Exposed : public Base {
 public:
  using Base::Base;
  Poco::Net::DialogSocket& dialog() { return this->socket(); }
};

Poco::Net::Context::Ptr tlsContext(const MailSettings& s) {
  if (s.tls == "none") return {};
  return new Poco::Net::Context(
      Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
      s.verifyCertificate ? Poco::Net::Context::VERIFY_RELAXED : Poco::Net::Context::VERIFY_NONE, 9,
      true);
}

}  // namespace

void requireOneLineCommand(const std::string& command) {
  if (command.find_first_of(std::string("\r\n\0", 3)) != std::string::npos)
    throw std::logic_error("an SMTP command may not contain CR, LF or NUL");
}

std::string mailHostName(const std::string& baseUrl) {
  try {
    const std::string host = Poco::URI(baseUrl).getHost();
    if (!host.empty() && engine::isValidHostName(host)) return host;
  } catch (const Poco::Exception&) {
  }
  return "localhost";
}

class SmtpConnection::Session {
 public:
  std::unique_ptr<Exposed<Poco::Net::SMTPClientSession>> plain;
  std::unique_ptr<Exposed<Poco::Net::SecureSMTPClientSession>> secure;
  Poco::Net::SMTPClientSession& smtp() {
    return plain ? static_cast<Poco::Net::SMTPClientSession&>(*plain) : *secure;
  }
  Poco::Net::DialogSocket& dialog() { return plain ? plain->dialog() : secure->dialog(); }
};

SmtpConnection::SmtpConnection(const MailSettings& s)
    : settings_(s), session_(std::make_unique<Session>()) {
  const auto port = static_cast<Poco::UInt16>(s.port);
  const auto timeout = Poco::Timespan(s.timeoutSeconds, 0);
  const std::string helo = mailHostName(s.baseUrl);
  auto ctx = tlsContext(s);
  if (s.tls == "tls") {
    Poco::Net::SecureStreamSocket sock(ctx);
    sock.setPeerHostName(s.host);
    sock.connect(Poco::Net::SocketAddress(s.host, port), timeout);
    session_->plain = std::make_unique<Exposed<Poco::Net::SMTPClientSession>>(sock);
  } else {
    Poco::Net::StreamSocket sock;
    sock.connect(Poco::Net::SocketAddress(s.host, port), timeout);
    if (s.tls == "starttls")
      session_->secure = std::make_unique<Exposed<Poco::Net::SecureSMTPClientSession>>(sock);
    else
      session_->plain = std::make_unique<Exposed<Poco::Net::SMTPClientSession>>(sock);
  }
  auto& smtp = session_->smtp();
  smtp.setTimeout(timeout);
  smtp.login(helo);
  if (s.tls == "starttls") {
    if (!session_->secure->startTLS(ctx))
      throw Poco::Net::SMTPException("the server does not offer STARTTLS (smtp.tls=starttls)");
    smtp.login(helo);
  }
  // Poco base64-encodes the user name and password on one line each (AUTH LOGIN / PLAIN).
  if (!s.user.empty())
    smtp.login(s.auth == "plain" ? Poco::Net::SMTPClientSession::AUTH_PLAIN
                                 : Poco::Net::SMTPClientSession::AUTH_LOGIN,
               s.user, s.password);
}

SmtpConnection::~SmtpConnection() {
  try {
    session_->smtp().close();  // QUIT
  } catch (...) {
  }
}

int SmtpConnection::command(const std::string& text, std::string& reply) {
  requireOneLineCommand(text);
  return session_->smtp().sendCommand(text, reply);
}

SmtpOutcome SmtpConnection::send(const engine::EmailAddress& from, const engine::EmailAddress& to,
                                 const Poco::Net::MailMessage& msg,
                                 const std::function<void()>& handedOver) {
  mailheader::requireSafeHeaders(msg);
  std::string reply;
  // Status 0 is no reply at all: the server closed the connection (not a refusal).
  auto step = [&](const std::string& text, const char* name) {
    const int status = command(text, reply);
    if (status == 0) throw SmtpConnectionClosed("after " + std::string(name) + ", before replying");
    return status;
  };
  int st = step("MAIL FROM:<" + from.str() + ">", "MAIL FROM");
  if (st / 100 != 2)
    return rejected(st, "the server refused the sender " + from.str() + ": " + reply);
  st = step("RCPT TO:<" + to.str() + ">", "RCPT TO");
  if (st / 100 != 2)
    return rejected(st, "the server refused the recipient " + to.str() + ": " + reply);
  st = step("DATA", "DATA");
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
  try {
    sendAll(data);
  } catch (const Poco::Exception& e) {
    throw SmtpConnectionClosed("while the message was being sent (" + e.displayText() + ")");
  }
  handedOver();
  // From here the server may have the whole message: no reply is "uncertain", never a retry.
  const std::string uncertain =
      "the mail server closed the connection after the whole message was sent, before saying "
      "whether it accepted it: it may or may not have been delivered";
  try {
    sendAll(".\r\n");
    st = session_->dialog().receiveStatusMessage(reply);
  } catch (const Poco::TimeoutException&) {
    return {SmtpOutcome::Kind::kUncertain,
            "the mail server did not reply in time after the whole message was sent: it may or "
            "may not have been delivered",
            false};
  } catch (const Poco::Exception& e) {
    return {SmtpOutcome::Kind::kUncertain, uncertain + " (" + e.displayText() + ")", false};
  }
  if (st == 0) return {SmtpOutcome::Kind::kUncertain, uncertain, false};
  if (st / 100 != 2) {
    SmtpOutcome o;
    o.kind = st / 100 == 5 ? SmtpOutcome::Kind::kPermanent : SmtpOutcome::Kind::kTemporary;
    o.reply = "the server refused the message: " + trimReply(reply);
    return o;
  }
  return {SmtpOutcome::Kind::kSent, trimReply(reply), false};
}

void SmtpConnection::sendAll(const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    int n =
        session_->dialog().sendBytes(bytes.data() + done, static_cast<int>(bytes.size() - done));
    if (n <= 0) throw Poco::Net::NetException("the connection to the SMTP server closed");
    done += static_cast<size_t>(n);
  }
}

SmtpOutcome SmtpConnection::rejected(int status, const std::string& text) {
  std::string ignored;
  try {
    command("RSET", ignored);
  } catch (...) {
  }
  SmtpOutcome o;
  o.kind = status / 100 == 5 ? SmtpOutcome::Kind::kPermanent : SmtpOutcome::Kind::kTemporary;
  o.reply = trimReply(text);
  return o;
}

SmtpOutcome connectionFailure(const MailSettings& s, const Poco::Exception& e) {
  SmtpOutcome o;
  o.connection = true;
  const std::string where = s.host + ":" + std::to_string(s.port);
  std::string first = e.message();
  first = first.substr(0, first.find_first_of("\r\n"));
  if (dynamic_cast<const SmtpConnectionClosed*>(&e)) {
    o.reply = "the mail server " + where + " closed the connection " + first;
  } else if (dynamic_cast<const Poco::Net::ConnectionResetException*>(&e)) {
    o.reply = "the mail server " + where + " closed the connection (" + e.displayText() + ")";
  } else if (dynamic_cast<const Poco::Net::SMTPException*>(&e) && e.code() == 0) {
    // Poco's greeting, EHLO, STARTTLS or AUTH step got no reply at all.
    o.reply = "the mail server " + where + " closed the connection before the session began (" +
              first + ")";
  } else if (dynamic_cast<const Poco::Net::SMTPException*>(&e)) {
    // Greeting, EHLO, STARTTLS or AUTH refused: the server's own words.
    o.reply = "the SMTP server " + where + " refused the session: " + first;
    if (e.code() / 100 == 5 || e.code() / 100 == 4)
      o.reply += " (reply code " + std::to_string(e.code()) + ")";
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

}  // namespace sendflow::web
