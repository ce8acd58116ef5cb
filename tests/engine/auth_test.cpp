#include "sendflow/engine/people/auth.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>

#include "engine/fakes.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/utf8.h"

using namespace sendflow::engine;

namespace {

using sendflow::testing::CountingRandom;
using sendflow::testing::FakePeople;
using sendflow::testing::FakeSessions;

struct Fixture {
  Fixture() : clock(fromUnix(1'780'000'000)), auth(people, sessions, clock, random) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.byId[7] =
        User{7,    "senco@oak.example", "Ms Senco", hashPassword("correct horse battery", random),
             true, {{1, Role::kSenco}}};
  }
  FakePeople people;
  FakeSessions sessions;
  FixedClock clock;
  CountingRandom random;
  AuthService auth;
};

}  // namespace

TEST_CASE("scrypt hashes verify, differ per salt, and reject tampering", "[engine][auth]") {
  CountingRandom random;
  auto h1 = hashPassword("correct horse battery", random);
  auto h2 = hashPassword("correct horse battery", random);
  REQUIRE(h1 != h2);
  REQUIRE(h1.rfind("scrypt$32768$8$1$", 0) == 0);
  REQUIRE(verifyPassword("correct horse battery", h1));
  REQUIRE_FALSE(verifyPassword("correct horse batterz", h1));
  REQUIRE_FALSE(verifyPassword("correct horse battery", "plain"));
  REQUIRE_FALSE(verifyPassword("correct horse battery", "scrypt$1099511627776$8$1$YWJj$YWJj"));
}

TEST_CASE("the password policy asks for 12 characters, counted as letters not bytes",
          "[engine][auth]") {
  REQUIRE_FALSE(AuthService::checkPasswordPolicy("short").ok());
  REQUIRE_FALSE(AuthService::checkPasswordPolicy("ëëëëëëëëëëë").ok());  // 11 letters, 22 bytes
  REQUIRE(AuthService::checkPasswordPolicy("ëëëëëëëëëëëë").ok());
}

TEST_CASE("a session lives from login to logout, with idle and absolute timeouts",
          "[engine][auth]") {
  Fixture f;
  auto r = f.auth.login("Senco@Oak.example", "correct horse battery", "10.0.0.1", "test");
  REQUIRE(r.ok());
  const std::string token = r->sessionToken;
  REQUIRE(token.size() == 43);
  // Only the hash is stored.
  REQUIRE(f.sessions.sessions.count(sha256Hex(token)) == 1);
  REQUIRE(f.sessions.sessions.count(token) == 0);

  auto s = f.auth.resume(token);
  REQUIRE(s.ok());
  REQUIRE(s->actor.userId == 7);
  REQUIRE(s->actor.canSee(1));
  REQUIRE_FALSE(s->actor.canSee(2));

  // A second login gives a new id (no fixation).
  auto r2 = f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "test");
  REQUIRE(r2->sessionToken != token);

  f.auth.logout(token);
  REQUIRE(f.auth.resume(token).error().code == ErrorCode::kUnauthorized);

  // Idle timeout: 61 minutes without a request.
  f.clock.advance(std::chrono::minutes(61));
  REQUIRE_FALSE(f.auth.resume(r2->sessionToken).ok());

  // Absolute timeout even when active.
  auto r3 = f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "test");
  for (int i = 0; i < 12; ++i) {
    f.clock.advance(std::chrono::minutes(59));
    REQUIRE(f.auth.resume(r3->sessionToken).ok());
  }
  f.clock.advance(std::chrono::minutes(59));
  REQUIRE_FALSE(f.auth.resume(r3->sessionToken).ok());
}

TEST_CASE("the session lifetime and the clean-up of old sessions follow the auth policy",
          "[engine][auth]") {
  Fixture f;
  CHECK(f.auth.sessionLifetime() == std::chrono::hours(12));  // the session cookie's Max-Age
  AuthPolicy shorter;
  shorter.idleTimeout = std::chrono::minutes(5);
  shorter.absoluteTimeout = std::chrono::minutes(30);
  AuthService auth(f.people, f.sessions, f.clock, f.random, shorter);
  CHECK(auth.sessionLifetime() == std::chrono::minutes(30));

  auto idle = auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "test");
  f.clock.advance(std::chrono::minutes(4));
  auto busy = auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "test");
  REQUIRE(f.sessions.sessions.size() == 2);
  f.clock.advance(std::chrono::minutes(2));  // idle: 6 minutes; busy: 2
  auth.removeExpiredSessions();
  CHECK(f.sessions.sessions.count(sha256Hex(idle->sessionToken)) == 0);
  CHECK(f.sessions.sessions.count(sha256Hex(busy->sessionToken)) == 1);
  REQUIRE(auth.resume(busy->sessionToken));
  for (int i = 0; i < 6; ++i) {  // busy: 26 minutes old, seen a minute ago
    f.clock.advance(std::chrono::minutes(4));
    REQUIRE(auth.resume(busy->sessionToken));
  }
  f.clock.advance(std::chrono::minutes(1));
  auth.removeExpiredSessions();
  CHECK(f.sessions.sessions.count(sha256Hex(busy->sessionToken)) == 1);
  f.clock.advance(std::chrono::minutes(4));  // 31 minutes from sign-in
  auth.removeExpiredSessions();
  CHECK(f.sessions.sessions.empty());
}

TEST_CASE("a deactivated user's session stops working", "[engine][auth]") {
  Fixture f;
  auto r = f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "test");
  f.people.byId[7].active = false;
  REQUIRE_FALSE(f.auth.resume(r->sessionToken).ok());
  REQUIRE(
      f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "t").error().code ==
      ErrorCode::kUnauthorized);
}

TEST_CASE(
    "five failures from one address lock that address out of the account, not the owner elsewhere",
    "[engine][auth]") {
  Fixture f;
  for (int i = 0; i < 5; ++i)
    REQUIRE(
        f.auth.login("senco@oak.example", "wrong password!!", "203.0.113.9", "t").error().code ==
        ErrorCode::kUnauthorized);
  auto locked = f.auth.login("senco@oak.example", "correct horse battery", "203.0.113.9", "t");
  REQUIRE(locked.error().code == ErrorCode::kTooManyRequests);
  REQUIRE(locked.error().retryAfterSeconds > 0);
  REQUIRE(locked.error().retryAfterSeconds <= 15 * 60);
  // The owner, from the school's address, still signs in; and is told once, not per attempt.
  REQUIRE(f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "t").ok());
  REQUIRE(f.sessions.notices.size() == 1);
  REQUIRE(f.sessions.notices[0].toAddress == "senco@oak.example");
  REQUIRE(f.sessions.notices[0].data.find("correct horse") == std::string::npos);
  f.clock.advance(std::chrono::minutes(16));
  REQUIRE(f.auth.login("senco@oak.example", "correct horse battery", "203.0.113.9", "t").ok());
}

TEST_CASE("guesses spread over many addresses meet the account-wide cap", "[engine][auth]") {
  Fixture f;
  for (int i = 0; i < 100; ++i)
    REQUIRE(
        f.auth
            .login("senco@oak.example", "wrong password!!", "198.51.100." + std::to_string(i), "t")
            .error()
            .code == ErrorCode::kUnauthorized);
  REQUIRE(
      f.auth.login("senco@oak.example", "correct horse battery", "10.0.0.1", "t").error().code ==
      ErrorCode::kTooManyRequests);
  REQUIRE(f.sessions.notices.size() == 1);
}

TEST_CASE("CSRF tokens are bound to the session", "[engine][auth]") {
  auto t1 = AuthService::csrfFor("session-one");
  REQUIRE(AuthService::csrfMatches("session-one", t1));
  REQUIRE_FALSE(AuthService::csrfMatches("session-two", t1));
  REQUIRE_FALSE(AuthService::csrfMatches("session-one", ""));
  REQUIRE_FALSE(AuthService::csrfMatches("", AuthService::csrfFor("")));
}

TEST_CASE("UTF-8 validation rejects malformed text", "[engine][text]") {
  REQUIRE(sendflow::engine::utf8::isValid("Zoë Łukasz Юлия 😀"));
  REQUIRE_FALSE(sendflow::engine::utf8::isValid("\xC3"));
  REQUIRE_FALSE(sendflow::engine::utf8::isValid("\xC0\xAF"));          // overlong
  REQUIRE_FALSE(sendflow::engine::utf8::isValid("\xED\xA0\x80"));      // surrogate
  REQUIRE_FALSE(sendflow::engine::utf8::isValid("\xF4\x90\x80\x80"));  // > U+10FFFF
}
