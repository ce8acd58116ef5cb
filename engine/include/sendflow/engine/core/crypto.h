// Small wrappers over OpenSSL: hashing, random tokens, password hashing.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sendflow::engine {

// A source of random bytes: real (OpenSSL RAND_bytes) or fixed in tests.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::string bytes(std::size_t n) = 0;
};

class SystemRandom final : public RandomSource {
 public:
  std::string bytes(std::size_t n) override;  // throws InfraError if the CSPRNG fails
};

std::string sha256Hex(std::string_view data);
std::string sha256Raw(std::string_view data);
std::string toHex(std::string_view raw);
std::string base64Url(std::string_view raw);  // no padding
bool constantTimeEquals(std::string_view a, std::string_view b);

// 256-bit random token, base64url (43 characters).
std::string newToken(RandomSource& random);
// HMAC-SHA-256 of `message` under `key` (raw 32 bytes).
std::string hmacSha256(std::string_view key, std::string_view message);
// A contact's link token (base64url, 43 characters): HMAC of the link's salt under the server's
// link key, per purpose ("signer", "contribution"), so one kind of link never opens the other.
// The database holds only the salt and SHA-256 of the token.
std::string linkToken(std::string_view linkKey, std::string_view purpose, std::string_view salt);
inline std::string signerLinkToken(std::string_view linkKey, std::string_view salt) {
  return linkToken(linkKey, "signer", salt);
}

// Passwords: scrypt (N=2^15, r=8, p=1) with a 16-byte salt, stored as
// "scrypt$N$r$p$salt_b64url$hash_b64url".
std::string hashPassword(std::string_view password, RandomSource& random);
bool verifyPassword(std::string_view password, std::string_view stored);

}  // namespace sendflow::engine
