#include "sendflow/engine/auth.h"

#include <algorithm>

#include "sendflow/engine/input.h"

namespace sendflow::engine {

AuthService::AuthService(PeopleRepository& people, SessionRepository& sessions, Clock& clock,
                         RandomSource& random, AuthPolicy policy)
    : people_(people), sessions_(sessions), clock_(clock), random_(random), policy_(policy) {}

Actor AuthService::actorFor(const User& u) {
  Actor a;
  a.userId = u.id;
  a.email = u.email;
  a.name = u.name;
  a.memberships = u.memberships;
  if (a.isTrustAdmin())
    for (const auto& ac : people_.academies()) a.allAcademyIds.push_back(ac.id);
  return a;
}

Result<LoginResult> AuthService::login(const std::string& email, const std::string& password,
                                       const std::string& ip, const std::string& userAgent) {
  // A control character in the email is no account's and must not reach the log or the
  // throttle keys: refused before anything is looked up or counted.
  if (auto problem = textProblem(email, TextShape::kLine))
    return invalid("The email address " + *problem, {{"email", "The email address " + *problem}});
  const TimePoint now = clock_.now();
  const TimePoint since = now - policy_.failureWindow;
  std::string normalised = email;
  std::transform(normalised.begin(), normalised.end(), normalised.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const std::string accountKey = "email:" + normalised;
  const std::string ipKey = "ip:" + ip;

  auto throttled = [&](const std::string& key, int max) -> std::optional<Error> {
    if (sessions_.failuresSince(key, since) < max) return std::nullopt;
    auto oldest = sessions_.oldestFailureSince(key, since);
    auto retry = oldest ? (*oldest + policy_.failureWindow - now).count() : 60;
    return Error{ErrorCode::kTooManyRequests,
                 "Too many failed sign-in attempts. Wait a few minutes and try again.",
                 {},
                 static_cast<int>(std::max<int64_t>(retry, 1))};
  };
  if (auto e = throttled(accountKey, policy_.maxFailuresPerAccount)) return *e;
  if (auto e = throttled(ipKey, policy_.maxFailuresPerIp)) return *e;

  auto user = people_.userByEmail(normalised);
  // Verify against a dummy hash when the account is unknown so timing does not reveal it.
  static const std::string kDummy =
      "scrypt$32768$8$1$c2VuZGZsb3ctZHVtbXk$QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE";
  bool ok = verifyPassword(password, user ? user->passwordHash : kDummy) && user && user->active;
  if (!ok) {
    sessions_.recordFailure(accountKey, now);
    sessions_.recordFailure(ipKey, now);
    return Error{ErrorCode::kUnauthorized, "The email address or password is not right.", {}};
  }
  sessions_.clearFailures(accountKey);

  LoginResult out;
  out.sessionToken = newToken(random_);  // always new: no session fixation
  Session s;
  s.idHash = sha256Hex(out.sessionToken);
  s.userId = user->id;
  s.createdAt = now;
  s.lastSeenAt = now;
  s.ip = ip;
  s.userAgent = userAgent.substr(0, 300);
  sessions_.create(s);
  out.actor = actorFor(*user);
  return out;
}

Result<SessionContext> AuthService::resume(const std::string& sessionToken) {
  const Error unauthorised{ErrorCode::kUnauthorized, "Please sign in.", {}};
  if (sessionToken.empty() || sessionToken.size() > 100) return unauthorised;
  const std::string idHash = sha256Hex(sessionToken);
  auto s = sessions_.find(idHash);
  if (!s) return unauthorised;
  const TimePoint now = clock_.now();
  if (now - s->lastSeenAt > policy_.idleTimeout || now - s->createdAt > policy_.absoluteTimeout) {
    sessions_.remove(idHash);
    return Error{ErrorCode::kUnauthorized, "Your session has ended. Please sign in again.", {}};
  }
  auto user = people_.userById(s->userId);
  if (!user || !user->active) {
    sessions_.remove(idHash);
    return unauthorised;
  }
  // Touch at most once a minute to keep reads cheap.
  if (now - s->lastSeenAt >= std::chrono::minutes(1)) sessions_.touch(idHash, now);
  return SessionContext{actorFor(*user), idHash, csrfFor(sessionToken)};
}

void AuthService::logout(const std::string& sessionToken) {
  if (!sessionToken.empty()) sessions_.remove(sha256Hex(sessionToken));
}

std::string AuthService::csrfFor(const std::string& sessionToken) {
  return base64Url(sha256Raw("sendflow-csrf:" + sessionToken));
}

bool AuthService::csrfMatches(const std::string& sessionToken, const std::string& presented) {
  return !sessionToken.empty() && constantTimeEquals(csrfFor(sessionToken), presented);
}

Status AuthService::checkPasswordPolicy(const std::string& password) {
  // Count code points, not bytes: "length over complexity" (NCSC).
  size_t codePoints = 0;
  for (unsigned char c : password) codePoints += (c & 0xC0) != 0x80;
  if (codePoints < kMinPasswordLength)
    return invalid("Choose a longer password",
                   {{"password", "The password must be at least 12 characters long"}});
  if (password.size() > 1024)
    return invalid("Choose a shorter password",
                   {{"password", "The password must be at most 1024 bytes long"}});
  return Ok{};
}

}  // namespace sendflow::engine
