// Runs the real `sendflow` binary on a loopback port with its own SENDFLOW_HOME, and talks to it
// over real HTTP (tests only).
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTMLForm.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace sendflow::testing {

struct CommandResult {
  int exitCode;
  std::string out;
  std::string err;
};

// The server under test: this build's, or SENDFLOW_TEST_BINARY (to see a new test fail against
// an older build, e.g. the main checkout's).
inline std::string sendflowBinary() {
  const char* other = std::getenv("SENDFLOW_TEST_BINARY");
  return other && *other ? std::string(other) : std::string(SENDFLOW_BINARY);
}

inline CommandResult runSendflow(const std::vector<std::string>& args,
                                 const std::map<std::string, std::string>& env,
                                 const std::string& binary = sendflowBinary()) {
  Poco::Pipe outPipe, errPipe;
  Poco::Process::Env e(env.begin(), env.end());
  auto handle = Poco::Process::launch(binary, args, ".", nullptr, &outPipe, &errPipe, e);
  Poco::PipeInputStream out(outPipe), err(errPipe);
  std::string o, r;
  Poco::StreamCopier::copyToString(out, o);
  Poco::StreamCopier::copyToString(err, r);
  int code = handle.wait();
  return {code, o, r};
}

struct Response {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  Poco::JSON::Object::Ptr json() const {
    return Poco::JSON::Parser().parse(body).extract<Poco::JSON::Object::Ptr>();
  }
};

// A browser-like client: keeps cookies, does not follow redirects. `source`: the loopback
// address it connects from (e.g. "127.0.0.2", to be another client than 127.0.0.1).
class Client {
 public:
  explicit Client(int port, std::string source = "") : port_(port), source_(std::move(source)) {}

  Response request(const std::string& method, const std::string& path, const std::string& body = "",
                   const std::string& contentType = "",
                   std::map<std::string, std::string> headers = {}) {
    auto sessionPtr = openSession();
    auto& session = *sessionPtr;
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost("127.0.0.1", static_cast<Poco::UInt16>(port_));
    if (!cookies_.empty()) {
      Poco::Net::NameValueCollection c;
      for (auto& [k, v] : cookies_) c.add(k, v);
      req.setCookies(c);
    }
    for (auto& [k, v] : headers) req.set(k, v);
    if (!contentType.empty()) req.setContentType(contentType);
    if (!body.empty() || method == "POST" || method == "PATCH" || method == "PUT")
      req.setContentLength64(static_cast<Poco::UInt64>(body.size()));
    session.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session.receiveResponse(res);
    Response out;
    out.status = static_cast<int>(res.getStatus());
    Poco::StreamCopier::copyToString(in, out.body);
    for (const auto& [k, v] : res) out.headers[k] = v;
    std::vector<Poco::Net::HTTPCookie> cookies;
    res.getCookies(cookies);
    for (const auto& c : cookies) {
      if (c.getMaxAge() == 0)
        cookies_.erase(c.getName());
      else
        cookies_[c.getName()] = c.getValue();
    }
    return out;
  }

  Response get(const std::string& path) { return request("GET", path); }

  Response postForm(const std::string& path, const std::map<std::string, std::string>& fields) {
    Poco::Net::HTMLForm form;
    for (auto& [k, v] : fields) form.set(k, v);
    std::ostringstream body;
    form.write(body);
    return request("POST", path, body.str(), "application/x-www-form-urlencoded");
  }

  Response postJson(const std::string& method, const std::string& path, const std::string& json,
                    bool withCsrf = true) {
    std::map<std::string, std::string> h;
    if (withCsrf && !csrf.empty()) h["X-CSRF-Token"] = csrf;
    return request(method, path, json, "application/json", h);
  }

  // Signs in through the real login form (GET for its CSRF token, then POST).
  Response login(const std::string& email, const std::string& password) {
    auto page = get("/login");
    auto token = hiddenValue(page.body, "csrf");
    auto r = postForm("/login",
                      {{"email", email}, {"password", password}, {"csrf", token}, {"next", "/"}});
    if (r.status == 303) {
      auto home = get("/");
      // A governor's home is the reviews overview: "/" redirects there.
      if (home.status == 303 && home.headers.count("Location"))
        home = get(home.headers["Location"]);
      csrf = hiddenValue(home.body, "csrf");
    }
    return r;
  }

  static std::string hiddenValue(const std::string& html, const std::string& name) {
    std::smatch m;
    std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
    if (std::regex_search(html, m, re)) return m[1];
    return "";
  }

  std::map<std::string, std::string>& cookies() { return cookies_; }
  std::string csrf;

 private:
  std::unique_ptr<Poco::Net::HTTPClientSession> openSession() const {
    const Poco::Net::SocketAddress server("127.0.0.1", static_cast<Poco::UInt16>(port_));
    if (source_.empty()) return std::make_unique<Poco::Net::HTTPClientSession>(server);
    Poco::Net::StreamSocket socket(Poco::Net::SocketAddress::IPv4);
    socket.impl()->bind(Poco::Net::SocketAddress(source_, 0), false);
    socket.connect(server);
    return std::make_unique<Poco::Net::HTTPClientSession>(socket);
  }

  int port_;
  std::string source_;
  std::map<std::string, std::string> cookies_;
};

class Server {
 public:
  explicit Server(std::map<std::string, std::string> extraEnv = {}) {
    env_ = {{"SENDFLOW_HOME", home_.path()},
            {"SENDFLOW_PORT", "0"},
            {"SENDFLOW_LOG_FILE", home_.path() + "/server.log"},
            // Tests read the audit log as soon as a request is answered: each read's event is
            // committed before its answer unless a test asks for the default grouping.
            {"SENDFLOW_AUDIT_READ_COMMIT_MS", "0"}};
    for (auto& [k, v] : extraEnv) env_[k] = v;
  }
  ~Server() { stop(); }

  CommandResult run(const std::vector<std::string>& args) {
    return runSendflow(args, env_, binary_);
  }
  // Runs another sendflow binary than the build's (an installed copy, say).
  void setBinary(std::string path) { binary_ = std::move(path); }

  // Seeds the demo trust and returns its --json output.
  Poco::JSON::Object::Ptr seedDemo() {
    auto r = run({"demo", "--json"});
    if (r.exitCode != 0) throw std::runtime_error("demo failed: " + r.err);
    return Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Object::Ptr>();
  }

  void start() {
    outPipe_ = std::make_unique<Poco::Pipe>();
    Poco::Process::Env e(env_.begin(), env_.end());
    handle_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(binary_, {"serve"}, ".", nullptr, outPipe_.get(), nullptr, e));
    out_ = std::make_unique<Poco::PipeInputStream>(*outPipe_);
    auto& out = *out_;
    std::string line;
    while (std::getline(out, line)) {
      auto at = line.find("listening on ");
      if (at != std::string::npos) {
        port_ = std::stoi(line.substr(line.rfind(':') + 1));
        return;
      }
    }
    throw std::runtime_error("sendflow serve did not start");
  }

  // SIGTERM, then wait: returns the exit code.
  int stop() {
    if (!handle_) return 0;
    Poco::Process::requestTermination(handle_->id());
    int code = handle_->wait();
    handle_.reset();
    return code;
  }

  // Waits (up to a minute) until the server's Scheduler has finished its first round, so a test
  // reads the data after the start-up work (signing reminders that give contacts new links,
  // review dates reached, backups) and not in a race with it.
  void waitForScheduledWork() {
    for (int i = 0; i < 600; ++i) {
      auto r = client().get("/healthz");
      if (r.status / 100 == 2 &&
          r.json()->getObject("checks")->getObject("scheduler")->has("last_run"))
        return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error("the server's scheduled work did not finish a round in a minute");
  }
  int port() const { return port_; }
  long pid() const { return handle_ ? static_cast<long>(handle_->id()) : 0; }
  Client client() const { return Client(port_); }
  const std::string& home() const { return home_.path(); }
  std::string log() const {
    std::ifstream in(home_.path() + "/server.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::map<std::string, std::string>& env() { return env_; }

 private:
  TempDir home_;
  std::string binary_ = sendflowBinary();
  std::map<std::string, std::string> env_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
  std::unique_ptr<Poco::Pipe> outPipe_;
  std::unique_ptr<Poco::PipeInputStream> out_;
  int port_ = 0;
};

}  // namespace sendflow::testing
