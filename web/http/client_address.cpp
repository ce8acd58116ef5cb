#include "http/client_address.h"

#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>

#include <stdexcept>

namespace sendflow::web {
namespace {

using Poco::Net::IPAddress;

IPAddress parseAddress(const std::string& text, const std::string& entry) {
  IPAddress a;
  if (!IPAddress::tryParse(text, a))
    throw std::runtime_error("http.trusted_proxies: \"" + entry +
                             "\" is not an address or CIDR range");
  return canonicalAddress(a);
}

// Every entry of a comma-separated list, trimmed, in order (empty entries dropped).
std::vector<std::string> listEntries(const std::string& list) {
  Poco::StringTokenizer t(
      list, ",", Poco::StringTokenizer::TOK_TRIM | Poco::StringTokenizer::TOK_IGNORE_EMPTY);
  return {t.begin(), t.end()};
}

}  // namespace

IPAddress canonicalAddress(const IPAddress& address) {
  if (address.family() != IPAddress::IPv6 || !address.isIPv4Mapped()) return address;
  const auto* bytes = static_cast<const unsigned char*>(address.addr());
  return IPAddress(bytes + 12, 4);
}

TrustedProxies TrustedProxies::parse(const std::string& list) {
  TrustedProxies out;
  for (const auto& entry : listEntries(list)) {
    const auto slash = entry.find('/');
    const IPAddress network = parseAddress(entry.substr(0, slash), entry);
    const unsigned bits = network.family() == IPAddress::IPv4 ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string::npos) {
      const std::string p = entry.substr(slash + 1);
      if (p.empty() || p.size() > 3 || p.find_first_not_of("0123456789") != std::string::npos ||
          !Poco::NumberParser::tryParseUnsigned(p, prefix) || prefix > bits) {
        throw std::runtime_error("http.trusted_proxies: \"" + entry + "\" has a bad prefix length");
      }
    }
    IPAddress mask(prefix, network.family());
    out.ranges_.push_back({network & mask, mask});
  }
  return out;
}

bool TrustedProxies::contains(const IPAddress& address) const {
  const IPAddress a = canonicalAddress(address);
  for (const auto& r : ranges_) {
    if (r.network.family() == a.family() && (a & r.mask) == r.network) return true;
  }
  return false;
}

std::string clientAddress(const IPAddress& peer, const std::vector<std::string>& forwardedFor,
                          const TrustedProxies& proxies) {
  IPAddress current = canonicalAddress(peer);
  if (!proxies.contains(current)) return current.toString();
  std::vector<std::string> hops;
  for (const auto& value : forwardedFor) {
    for (auto& e : listEntries(value)) hops.push_back(std::move(e));
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    IPAddress hop;
    if (!IPAddress::tryParse(*it, hop)) break;
    current = canonicalAddress(hop);
    if (!proxies.contains(current)) break;
  }
  return current.toString();
}

}  // namespace sendflow::web
