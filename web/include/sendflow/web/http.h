// Routing and the per-request exchange: a table of method + path → handler, one exception
// boundary, authentication, CSRF and security headers applied before any handler runs.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/auth.h"
#include "sendflow/engine/error.h"

namespace kainjow::mustache {
template <typename StringType>
class basic_data;
}

namespace sendflow::web {

class App;

// Thrown by body parsers for a client's malformed request: answered 400 with the message.
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Exchange {
 public:
  Exchange(App& app, Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res);

  App& app;
  Poco::Net::HTTPServerRequest& request;
  Poco::Net::HTTPServerResponse& response;
  std::map<std::string, std::string> params;   // from the route pattern
  std::optional<engine::SessionContext> session;  // set on authenticated routes
  std::string sessionToken;                     // cookie value; never logged

  const engine::Actor& actor() const { return session->actor; }
  bool isApi() const;
  bool sent() const { return response.sent(); }
  std::string clientIp() const;

  // Path parameter as a positive id; throws BadRequest-free: returns nullopt when malformed.
  std::optional<engine::Id> idParam(const std::string& name) const;
  std::string query(const std::string& name, const std::string& fallback = "") const;

  // Body readers (each reads the body once; enforce the size limit; throw BadRequest).
  const Poco::Net::HTMLForm& form();
  Poco::JSON::Object::Ptr json();
  const std::string& body();

  // Responses.
  void html(int status, const std::string& page);
  void json(int status, const Poco::JSON::Object& o);
  void json(int status, const Poco::Dynamic::Var& v);
  void redirect(const std::string& location);  // 303 See Other
  void bytes(int status, const std::string& contentType, const std::string& data,
             const std::string& downloadName = "");
  // Maps an engine Error to the right status; HTML page or JSON body.
  void error(const engine::Error& e);
  void error(int status, const std::string& message);
  void setCookie(const std::string& name, const std::string& value, int maxAgeSeconds);
  std::string cookie(const std::string& name) const;

  std::string csrfToken() const;  // for forms rendered on this request

 private:
  void sendError(int status, const engine::Error& e);
  std::string body_;
  bool bodyRead_ = false;
  std::unique_ptr<Poco::Net::HTMLForm> form_;
};

using Handler = std::function<void(Exchange&)>;

enum class Access {
  kPublic,      // no session needed (login page, health, static, signer links)
  kPublicCsrf,  // no session, but a state change protected by the pre-session CSRF cookie
  kStaff,       // a valid staff session; non-GET also needs the CSRF token
};

struct Route {
  std::string method;
  std::string pattern;  // "/pupils/{id}"; segments in braces bind to params
  Access access;
  Handler handler;
};

class Router {
 public:
  void add(std::string method, std::string pattern, Access access, Handler h);
  struct Match {
    const Route* route = nullptr;
    std::map<std::string, std::string> params;
    bool pathKnown = false;  // some route has this path under another method → 405
    std::string allowed;     // for the Allow header
  };
  Match match(const std::string& method, const std::string& path) const;

 private:
  std::vector<Route> routes_;
};

// Poco glue: one handler per request runs the whole pipeline.
class RequestHandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit RequestHandlerFactory(App& app) : app_(app) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  App& app_;
};

std::string statusText(int status);
int statusFor(engine::ErrorCode c);

}  // namespace sendflow::web
