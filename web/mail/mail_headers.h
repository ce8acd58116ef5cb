// Mail header values built only from checked parts (RFC 5322, RFC 2047). Every value a person
// typed (a display name, a subject built from a plan title or an academy name) goes through
// here, so a stored value with CR, LF or NUL in it cannot add a header or a recipient:
//   - control characters become spaces (a header is one logical line: a line break in a name
//     is never meaningful there; the stored value itself is unchanged);
//   - anything beyond plain printable words is sent as RFC 2047 encoded-words (UTF-8, base64),
//     each at most 75 characters and each holding whole characters;
//   - long values are folded (CRLF + space) at 78 characters.
// Poco 1.11's MailRecipient cannot do this: it quotes a display name without escaping '"' or
// '\' and leaves an ASCII name with CR LF as it is (encodeWord only encodes non-ASCII text, and
// an encoded-word inside the quotes it adds is not to be decoded, RFC 2047 section 5).
#pragma once

#include <Poco/Net/MessageHeader.h>

#include <string>
#include <string_view>

#include "sendflow/engine/core/email_address.h"

namespace sendflow::web::mailheader {

// `text` with every control character (C0, DEL) replaced by a space, trimmed of spaces.
std::string oneLine(std::string_view text);

// A display name as an RFC 5322 phrase: plain words as they are, otherwise encoded-words.
// `column` is where the value starts on its line (after "To: ").
std::string phrase(std::string_view displayName, std::size_t column);

// An unstructured value (Subject): printable ASCII folded at spaces, otherwise encoded-words.
std::string unstructured(std::string_view text, std::size_t column);

// "phrase <address>", or the bare address when the name is empty; for To, From, Reply-To.
std::string mailbox(const engine::EmailAddress& address, std::string_view displayName,
                    std::size_t column);

// True when "Name: value" is one well-formed header: the name printable ASCII without ':' or
// spaces, the value without NUL and with CR only in a fold (CRLF followed by a space or tab).
bool isSafeHeader(std::string_view name, std::string_view value);

// Throws std::logic_error naming the header when any header in `headers` is not safe: the last
// check before a message is written to the SMTP server.
void requireSafeHeaders(const Poco::Net::MessageHeader& headers);

}  // namespace sendflow::web::mailheader
