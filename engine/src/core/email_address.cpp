#include "sendflow/engine/core/email_address.h"

#include <algorithm>

namespace sendflow::engine {
namespace {

constexpr std::size_t kMaxAddress = 254;
constexpr std::size_t kMaxLocalPart = 64;
constexpr std::size_t kMaxDomain = 253;
constexpr std::size_t kMaxLabel = 63;

bool isAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 5322 3.2.3 atext.
bool isAtext(char c) {
  return isAlnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool isLdhLabel(std::string_view label) {
  return !label.empty() && label.size() <= kMaxLabel && label.front() != '-' &&
         label.back() != '-' &&
         std::all_of(label.begin(), label.end(), [](char c) { return isAlnum(c) || c == '-'; });
}

// Dot-separated parts; empty parts where dots lead, trail or repeat.
template <typename Check>
bool allParts(std::string_view s, Check check) {
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!check(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isDotAtom(std::string_view s) {
  return allParts(s, [](std::string_view atom) {
    return !atom.empty() && std::all_of(atom.begin(), atom.end(), isAtext);
  });
}

bool isDomain(std::string_view s) {
  if (s.size() > kMaxDomain || s.find('.') == std::string_view::npos || !allParts(s, isLdhLabel))
    return false;
  const std::string_view top = s.substr(s.rfind('.') + 1);
  return !std::all_of(top.begin(), top.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Error refused(const std::string& why) { return invalid(why, {{"email", why}}); }

}  // namespace

Result<EmailAddress> parseEmailAddress(std::string_view s) {
  if (s.empty()) return refused("Enter an email address, like name@example.com");
  if (std::any_of(s.begin(), s.end(),
                  [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }))
    return refused(
        "An email address cannot contain spaces, tabs, line breaks or control characters");
  if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) > 0x7f; }))
    return refused(
        "An email address can only use plain letters A to Z, digits and punctuation (no "
        "accented letters or other scripts)");
  if (s.size() > kMaxAddress) return refused("An email address must be 254 characters or fewer");
  const std::size_t at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos)
    return refused("An email address has exactly one @, like name@example.com");
  const std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.empty() || local.size() > kMaxLocalPart || !isDotAtom(local))
    return refused(
        "The part before the @ can use letters, digits and ! # $ % & ' * + - / = ? ^ _ ` "
        "{ | } ~, with single dots between them (not at either end), 64 characters at most");
  if (!isDomain(domain))
    return refused(
        "The part after the @ must be a domain name like example.com (letters, digits, "
        "hyphens and dots)");
  return EmailAddress(std::string(s), at);
}

bool isValidEmailAddress(std::string_view text) { return parseEmailAddress(text).ok(); }

Result<Mailbox> parseMailbox(std::string_view text) {
  const std::size_t lt = text.find('<');
  if (lt == std::string_view::npos) {
    auto address = parseEmailAddress(text);
    if (!address) return address.error();
    return Mailbox{*address, ""};
  }
  if (text.back() != '>' || text.find('<', lt + 1) != std::string_view::npos)
    return invalid("Write the address as name@example.com or as Name <name@example.com>");
  auto address = parseEmailAddress(text.substr(lt + 1, text.size() - lt - 2));
  if (!address) return address.error();
  std::string_view name = text.substr(0, lt);
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"')
    name = name.substr(1, name.size() - 2);
  const auto bad = [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>' ||
           c == '\\';
  };
  if (std::any_of(name.begin(), name.end(), bad))
    return invalid(
        "The name before <address> cannot contain control characters, quotes, < > or \\");
  return Mailbox{*address, std::string(name)};
}

bool isValidHostName(std::string_view s) {
  return s.size() <= kMaxDomain && allParts(s, isLdhLabel);
}

}  // namespace sendflow::engine
