// Who the client is. The TCP peer, unless the peer is one of the configured trusted proxies
// (http.trusted_proxies): then X-Forwarded-For names it, read from the right, skipping trusted
// proxies. A client talking to sendflow directly cannot choose the address it is logged under.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <string>
#include <vector>

namespace sendflow::web {

class TrustedProxies {
 public:
  // "10.0.0.1, 192.168.0.0/16, ::1": addresses and CIDR ranges, comma-separated. Throws
  // std::runtime_error naming the first malformed entry.
  static TrustedProxies parse(const std::string& list);

  bool contains(const Poco::Net::IPAddress& address) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    Poco::Net::IPAddress network;
    Poco::Net::IPAddress mask;
  };
  std::vector<Range> ranges_;
};

// IPv4-mapped IPv6 (::ffff:a.b.c.d) as plain IPv4, so that one address has one spelling.
Poco::Net::IPAddress canonicalAddress(const Poco::Net::IPAddress& address);

// The client's address as text. `forwardedFor`: the request's X-Forwarded-For values in the order
// received (each a comma-separated list). Read only when `peer` is a trusted proxy: the rightmost
// entry that is not a trusted proxy wins; an entry that is not an address stops the walk at the
// last trusted hop (never a value the client could have written).
std::string clientAddress(const Poco::Net::IPAddress& peer,
                          const std::vector<std::string>& forwardedFor,
                          const TrustedProxies& proxies);

}  // namespace sendflow::web
