#include "sendflow/engine/core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sendflow/engine/core/error.h"

namespace sendflow::engine {
namespace {

constexpr uint64_t kScryptN = 1u << 15;
constexpr uint64_t kScryptR = 8;
constexpr uint64_t kScryptP = 1;
constexpr size_t kHashBytes = 32;
constexpr uint64_t kScryptMaxMem = 64u * 1024 * 1024;

std::string fromBase64Url(std::string_view s) {
  std::string std(s);
  for (char& c : std) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (std.size() % 4) std.push_back('=');
  std::string out(std.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(std.data()),
                          static_cast<int>(std.size()));
  if (n < 0) return {};
  size_t pad = 0;
  for (size_t i = std.size(); i > 0 && std[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string scrypt(std::string_view password, std::string_view salt, uint64_t n, uint64_t r,
                   uint64_t p) {
  std::string out(kHashBytes, '\0');
  if (EVP_PBE_scrypt(password.data(), password.size(),
                     reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), n, r, p,
                     kScryptMaxMem, reinterpret_cast<unsigned char*>(out.data()),
                     out.size()) != 1) {
    throw InfraError("scrypt failed");
  }
  return out;
}

}  // namespace

std::string SystemRandom::bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw InfraError("the system random number generator failed");
  }
  return out;
}

std::string sha256Raw(std::string_view data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), md);
  return std::string(reinterpret_cast<char*>(md), sizeof md);
}

std::string toHex(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string sha256Hex(std::string_view data) { return toHex(sha256Raw(data)); }

std::string base64Url(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(raw.data()),
                          static_cast<int>(raw.size()));
  out.resize(static_cast<size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string newToken(RandomSource& random) { return base64Url(random.bytes(32)); }

std::string hmacSha256(std::string_view key, std::string_view message) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), md, &len))
    throw InfraError("HMAC-SHA-256 failed");
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string linkToken(std::string_view linkKey, std::string_view purpose, std::string_view salt) {
  return base64Url(
      hmacSha256(linkKey, "sendflow " + std::string(purpose) + " link:" + std::string(salt)));
}

std::string hashPassword(std::string_view password, RandomSource& random) {
  std::string salt = random.bytes(16);
  return "scrypt$" + std::to_string(kScryptN) + "$" + std::to_string(kScryptR) + "$" +
         std::to_string(kScryptP) + "$" + base64Url(salt) + "$" +
         base64Url(scrypt(password, salt, kScryptN, kScryptR, kScryptP));
}

bool verifyPassword(std::string_view password, std::string_view stored) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= stored.size(); ++i) {
    if (i == stored.size() || stored[i] == '$') {
      parts.emplace_back(stored.substr(start, i - start));
      start = i + 1;
    }
  }
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  uint64_t n = 0, r = 0, p = 0;
  try {
    n = std::stoull(parts[1]);
    r = std::stoull(parts[2]);
    p = std::stoull(parts[3]);
  } catch (const std::exception&) {
    return false;
  }
  // Refuse parameters that would let a tampered row exhaust memory or time.
  if (n < 2 || n > (1u << 20) || r == 0 || r > 32 || p == 0 || p > 16) return false;
  std::string salt = fromBase64Url(parts[4]);
  std::string expected = fromBase64Url(parts[5]);
  if (salt.empty() || expected.size() != kHashBytes) return false;
  return constantTimeEquals(scrypt(password, salt, n, r, p), expected);
}

}  // namespace sendflow::engine
