// One SMTP session with Poco (plain, STARTTLS or implicit TLS; AUTH LOGIN or PLAIN), used by the
// outbox sender and `mail test`. Envelope addresses are engine::EmailAddress values, which
// passed the one address parser; every command is checked once more for CR, LF and NUL right
// before it is sent, so no value can add a command of its own.
#pragma once

#include <Poco/Exception.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/MailMessage.h>
#include <Poco/Net/NetException.h>

#include <functional>
#include <memory>
#include <string>

#include "mail/mail.h"
#include "sendflow/engine/core/email_address.h"

namespace sendflow::web {

// The server closed the connection (no reply where one was due); what() says after which step.
POCO_DECLARE_EXCEPTION(, SmtpConnectionClosed, Poco::Net::NetException)

// Throws std::logic_error when `command` holds CR, LF or NUL (Poco appends the CRLF itself).
void requireOneLineCommand(const std::string& command);

// The host name sendflow gives in EHLO, Message-IDs and calendar UIDs: base_url's host when it
// is a valid host name, otherwise "localhost".
std::string mailHostName(const std::string& baseUrl);

class SmtpConnection {
 public:
  // Connects, greets, starts TLS and logs in as `settings` say. Throws Poco exceptions.
  explicit SmtpConnection(const MailSettings& settings);
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // One SMTP transaction. Never throws for a server's answer; throws Poco exceptions for
  // transport failures before the whole message went (SmtpConnectionClosed when the server
  // closed the connection; the caller treats them as temporary). `handedOver` runs once the
  // whole body is with the server and before the terminating "."; from then on a dropped
  // connection or a missing reply is kUncertain (and the connection is unusable).
  SmtpOutcome send(
      const engine::EmailAddress& from, const engine::EmailAddress& to,
      const Poco::Net::MailMessage& msg, const std::function<void()>& handedOver = [] {});

 private:
  class Session;
  int command(const std::string& text, std::string& reply);
  void sendAll(const std::string& bytes);
  SmtpOutcome rejected(int status, const std::string& text);

  const MailSettings& settings_;
  std::unique_ptr<Session> session_;
};

// A failure to reach or talk to the server at all, in words an admin can act on.
SmtpOutcome connectionFailure(const MailSettings& s, const Poco::Exception& e);

}  // namespace sendflow::web
