// What the benchmarks that drive a real server share: child processes (a command's output, a
// server on a loopback port) and signing in over the JSON API.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace sendflow::bench {

// --- arguments ---------------------------------------------------------------------------------

// `text` as a whole number when all of it is one ("3abc", "" and "2.5" are not), else nullopt.
inline std::optional<int> wholeNumberOf(const std::string& text) {
  std::size_t used = 0;
  try {
    const int v = std::stoi(text, &used);
    if (!text.empty() && used == text.size()) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// --- child servers ----------------------------------------------------------------------------

struct CommandOutput {
  int exitCode = -1;
  std::string out;
  std::string err;
};

inline CommandOutput runCommand(const std::string& cmd, const std::vector<std::string>& args,
                                const std::map<std::string, std::string>& env) {
  Poco::Pipe outPipe, errPipe;
  Poco::Process::Env e(env.begin(), env.end());
  auto handle = Poco::Process::launch(cmd, args, ".", nullptr, &outPipe, &errPipe, e);
  Poco::PipeInputStream out(outPipe), err(errPipe);
  CommandOutput r;
  // stderr is small for these commands; read stdout first, then stderr.
  Poco::StreamCopier::copyToString(out, r.out);
  Poco::StreamCopier::copyToString(err, r.err);
  r.exitCode = handle.wait();
  return r;
}

// A server process on a loopback port: started, its "listening on http://…:PORT" line read from
// stdout, stopped with SIGTERM (and waited for) when this goes out of scope.
class ChildServer {
 public:
  ChildServer(const std::string& cmd, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env, const std::string& workDir) {
    Poco::Process::Env e(env.begin(), env.end());
    handle_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(cmd, args, workDir, nullptr, &outPipe_, nullptr, e));
    out_ = std::make_unique<Poco::PipeInputStream>(outPipe_);
    std::string line;
    while (std::getline(*out_, line)) {
      auto at = line.find("listening on ");
      if (at != std::string::npos) {
        port_ = std::stoi(line.substr(line.rfind(':') + 1));
        return;
      }
    }
    handle_->wait();
    throw std::runtime_error(cmd + " did not start (no 'listening on' line)");
  }
  ~ChildServer() {
    try {
      Poco::Process::requestTermination(handle_->id());
      handle_->wait();
    } catch (...) {  // already gone
    }
  }
  ChildServer(const ChildServer&) = delete;
  ChildServer& operator=(const ChildServer&) = delete;
  int port() const { return port_; }
  Poco::ProcessHandle::PID pid() const { return handle_->id(); }

 private:
  Poco::Pipe outPipe_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
  std::unique_ptr<Poco::PipeInputStream> out_;
  int port_ = 0;
};

// --- peers' node packages ---------------------------------------------------------------------

// Where a peer's node packages are: $BENCH_PEERS/<name>/node_modules when scripts/bench installed
// them there (outside the source tree, so a read-only checkout works), else the source tree's
// tests/bench/<name>/node_modules (a peer installed by hand). `name` is the folder under
// tests/bench holding the peer's package-lock.json ("pdf": the checkout's own, playwright-core).
inline std::string peerNodeModules(const std::string& name, const std::string& sourceRoot) {
  if (const char* peers = std::getenv("BENCH_PEERS");
      peers && *peers)  // NOLINT(concurrency-mt-unsafe)
    return std::string(peers) + "/" + name + "/node_modules";
  return sourceRoot + (name == "pdf" ? "" : "/tests/bench/" + name) + "/node_modules";
}

// --- HTTP helpers -----------------------------------------------------------------------------

struct Credentials {
  std::string email;
  std::string password;
};

struct Login {
  std::string cookie;  // "sf_session=…"
  std::string csrf;
  std::vector<long> pupilIds;
};

inline std::string exchange(Poco::Net::HTTPClientSession& s, Poco::Net::HTTPRequest& req,
                            const std::string& body, Poco::Net::HTTPResponse& res) {
  if (!body.empty() || req.getMethod() != "GET")
    req.setContentLength(static_cast<std::streamsize>(body.size()));
  s.sendRequest(req) << body;
  std::istream& in = s.receiveResponse(res);
  std::string out;
  Poco::StreamCopier::copyToString(in, out);
  return out;
}

// Signs in over the JSON API and lists the pupils the account can see.
inline Login signIn(int port, const Credentials& who) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  s.setTimeout(Poco::Timespan(30, 0));
  Login login;
  {
    Poco::JSON::Object o;
    o.set("email", who.email);
    o.set("password", who.password);
    std::ostringstream body;
    o.stringify(body);
    Poco::Net::HTTPRequest req("POST", "/api/v1/session", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    Poco::Net::HTTPResponse res;
    auto text = exchange(s, req, body.str(), res);
    if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
      throw std::runtime_error("sign-in answered " + std::to_string(res.getStatus()) + ": " + text);
    std::vector<Poco::Net::HTTPCookie> cookies;
    res.getCookies(cookies);
    for (const auto& c : cookies)
      if (c.getName() == "sf_session") login.cookie = "sf_session=" + c.getValue();
    auto json = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    login.csrf = json->getValue<std::string>("csrf_token");
  }
  {
    Poco::Net::HTTPRequest req("GET", "/api/v1/pupils", Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Cookie", login.cookie);
    Poco::Net::HTTPResponse res;
    auto text = exchange(s, req, "", res);
    if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
      throw std::runtime_error("GET /api/v1/pupils answered " + std::to_string(res.getStatus()));
    auto json = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    auto pupils = json->getArray("pupils");
    for (size_t i = 0; i < pupils->size(); ++i)
      login.pupilIds.push_back(pupils->getObject(static_cast<unsigned>(i))->getValue<long>("id"));
  }
  if (login.cookie.empty() || login.csrf.empty() || login.pupilIds.empty())
    throw std::runtime_error("sign-in gave no session, CSRF token or pupils");
  return login;
}

}  // namespace sendflow::bench
