// Email addresses: the one parser every door uses (contacts, users, the mail.from setting, the
// test address, the CLI, and the SMTP envelope right before a command is built).
//
// sendflow accepts a strict, documented subset of the RFC 5322 addr-spec (section 3.4.1):
//   - local part: a dot-atom of ASCII atext (letters, digits and ! # $ % & ' * + - / = ? ^ _ `
//     { | } ~), dots only between atoms, 1 to 64 octets (RFC 5321 4.5.3.1.1);
//   - domain: two or more labels of letters, digits and hyphens (no hyphen at either end of a
//     label), 1 to 63 octets each, the last not all digits, 253 octets at most;
//   - the whole address at most 254 octets (RFC 5321 4.5.3.1.3: a path of 256 with its < >).
// Refused: quoted local parts, comments, display names ("Name <a@b>"), address literals
// ([192.0.2.1]), non-ASCII (no SMTPUTF8), surrounding or inner white space, control characters.
// A valid address therefore never contains CR, LF, NUL, space, < > or ",": it is safe in an SMTP
// command and in a mail header as it stands.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "sendflow/engine/core/error.h"

namespace sendflow::engine {

class EmailAddress {
 public:
  const std::string& str() const { return text_; }
  std::string_view localPart() const { return std::string_view(text_).substr(0, at_); }
  std::string_view domain() const { return std::string_view(text_).substr(at_ + 1); }
  bool operator==(const EmailAddress& o) const { return text_ == o.text_; }

 private:
  friend Result<EmailAddress> parseEmailAddress(std::string_view text);
  EmailAddress(std::string text, std::size_t at) : text_(std::move(text)), at_(at) {}
  std::string text_;
  std::size_t at_ = 0;
};

// The whole of `text` as an address, or kInvalid whose message says what is wrong in words a
// person can act on ("An email address cannot contain spaces or line breaks").
Result<EmailAddress> parseEmailAddress(std::string_view text);
bool isValidEmailAddress(std::string_view text);

// A mailbox as people write it in a setting (mail.from): "send@example.com",
// "SEND team <send@example.com>" or "\"SEND team, Oakfield\" <send@example.com>". The address
// is checked as above; the name (possibly empty) has no control characters, quotes, < > or \.
struct Mailbox {
  EmailAddress address;
  std::string name;
};
Result<Mailbox> parseMailbox(std::string_view text);

// A host name of letters, digits and hyphens in dot-separated labels (one label allowed, as in
// "localhost"), 253 octets at most: what EHLO, a Message-ID's right side and an iCalendar UID
// may carry.
bool isValidHostName(std::string_view text);

}  // namespace sendflow::engine
