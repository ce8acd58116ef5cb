// Logins, sessions and CSRF tokens.
#pragma once

#include <chrono>
#include <string>

#include "sendflow/engine/clock.h"
#include "sendflow/engine/crypto.h"
#include "sendflow/engine/error.h"
#include "sendflow/engine/ports.h"

namespace sendflow::engine {

struct AuthPolicy {
  std::chrono::seconds idleTimeout{std::chrono::minutes(60)};
  std::chrono::seconds absoluteTimeout{std::chrono::hours(12)};
  int maxFailuresPerAccount = 5;  // within failureWindow
  int maxFailuresPerIp = 20;      // a school's staff often share one public address
  std::chrono::seconds failureWindow{std::chrono::minutes(15)};
};

struct LoginResult {
  std::string sessionToken;  // the cookie value; shown to nobody else, never logged
  Actor actor;
};

struct SessionContext {
  Actor actor;
  std::string idHash;
  std::string csrfToken;
};

class AuthService {
 public:
  AuthService(PeopleRepository& people, SessionRepository& sessions, Clock& clock,
              RandomSource& random, AuthPolicy policy = {});

  // Wrong email and wrong password look identical; kTooManyRequests after too many failures.
  Result<LoginResult> login(const std::string& email, const std::string& password,
                            const std::string& ip, const std::string& userAgent);
  // kUnauthorized when missing, expired or the user is deactivated. Refreshes the idle timer.
  Result<SessionContext> resume(const std::string& sessionToken);
  void logout(const std::string& sessionToken);

  // The CSRF token bound to a session (derived: an attacker without the cookie cannot compute it).
  static std::string csrfFor(const std::string& sessionToken);
  static bool csrfMatches(const std::string& sessionToken, const std::string& presented);

  Actor actorFor(const User& u);

  static constexpr std::size_t kMinPasswordLength = 12;
  static Status checkPasswordPolicy(const std::string& password);

 private:
  PeopleRepository& people_;
  SessionRepository& sessions_;
  Clock& clock_;
  RandomSource& random_;
  const AuthPolicy policy_;
};

}  // namespace sendflow::engine
