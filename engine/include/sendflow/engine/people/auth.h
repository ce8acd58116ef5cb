// Logins, sessions and CSRF tokens.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/ports.h"

namespace sendflow::engine {

namespace mailkind {
inline constexpr const char* kSignInFailures = "sign_in_failures";  // to the account's owner
}

// Failed sign-ins are counted per account *and* source address, so whoever guesses from one
// address does not lock the owner out at another; the account-wide cap only stops guessing
// spread over many addresses. All counts are within failureWindow.
struct AuthPolicy {
  std::chrono::seconds idleTimeout{std::chrono::minutes(60)};
  std::chrono::seconds absoluteTimeout{std::chrono::hours(12)};
  int maxFailuresPerAccountAndSource = 5;
  int maxFailuresPerAccount = 100;  // from any address
  int maxFailuresPerIp = 20;        // a school's staff often share one public address
  int notifyAfterFailures = 5;      // the owner is emailed (once per window) from this many
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

// The sessions a change to an account ends (one rule for the admin's edit and the user's own
// password change): every session of the user when the password changes, the account is
// deactivated or its roles change, except `keepIdHash` (the session changing its own password).
// Audited as "user.sessions_ended" by `actorRef`.
EndSessions sessionsEndedBy(const User& before, const User& after, const std::string& actorRef,
                            const std::string& keepIdHash = "");

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

  // The signed-in user changes their own password: the current one must be right (a wrong one
  // counts as a failed sign-in), the new one follows checkPasswordPolicy. Every other session of
  // the user ends; this one stays.
  Status changePassword(const SessionContext& session, const std::string& currentPassword,
                        const std::string& newPassword, const std::string& confirmation,
                        const std::string& ip);

  // The CSRF token bound to a session (derived: an attacker without the cookie cannot compute it).
  static std::string csrfFor(const std::string& sessionToken);
  static bool csrfMatches(const std::string& sessionToken, const std::string& presented);

  Actor actorFor(const User& u);
  // The staff member with this email address (case-insensitive) as an actor; nullopt when none.
  std::optional<Actor> actorByEmail(const std::string& email);

  // How long a session may last at most from sign-in (the session cookie's Max-Age).
  std::chrono::seconds sessionLifetime() const { return policy_.absoluteTimeout; }
  // Deletes the sessions past the idle or the absolute timeout (resume() refuses them anyway).
  void removeExpiredSessions();

  static constexpr std::size_t kMinPasswordLength = 12;
  static Status checkPasswordPolicy(const std::string& password);

 private:
  OutboxMessage failureNotice(const User& u, int failures, TimePoint now) const;
  PeopleRepository& people_;
  SessionRepository& sessions_;
  Clock& clock_;
  RandomSource& random_;
  const AuthPolicy policy_;
};

}  // namespace sendflow::engine
