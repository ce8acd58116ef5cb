// A real SMTP server for tests: aiosmtpd (Debian's python3) on a free loopback port, delivering
// into a Maildir, or a variant that rejects every sender with a 5xx. Messages are read back with
// Python's email package (subject decoded, text/HTML parts, attachments) as JSON.
#pragma once

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace sendflow::testing {

inline int freePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

inline bool portOpen(int port) {
  try {
    Poco::Net::StreamSocket s;
    s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)), Poco::Timespan(0, 200000));
    return true;
  } catch (...) {
    return false;
  }
}

class SmtpServer {
 public:
  enum class Mode { kAccept, kRejectSender };
  explicit SmtpServer(int port = 0, Mode mode = Mode::kAccept) : port_(port ? port : freePort()), mode_(mode) {}
  ~SmtpServer() { stop(); }

  void start() {
    std::vector<std::string> args;
    if (mode_ == Mode::kAccept) {
      args = {"-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
              "aiosmtpd.handlers.Mailbox", maildir()};
    } else {
      args = {"-c",
              "import asyncio, sys\n"
              "from aiosmtpd.controller import Controller\n"
              "class H:\n"
              "    async def handle_MAIL(self, server, session, envelope, address, options):\n"
              "        return '550 5.7.1 Sender address rejected: not allowed to relay'\n"
              "c = Controller(H(), hostname='127.0.0.1', port=int(sys.argv[1]))\n"
              "c.start()\n"
              "import time\n"
              "while True: time.sleep(3600)\n",
              std::to_string(port_)};
    }
    handle_ = std::make_unique<Poco::ProcessHandle>(Poco::Process::launch("/usr/bin/python3", args));
    for (int i = 0; i < 100 && !portOpen(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!portOpen(port_)) throw std::runtime_error("aiosmtpd did not start on port " + std::to_string(port_));
  }

  void stop() {
    if (!handle_) return;
    Poco::Process::kill(*handle_);
    handle_->wait();
    handle_.reset();
  }

  int port() const { return port_; }
  std::string maildir() const { return dir_.path() + "/Maildir"; }

  // Files delivered so far (one per message accepted).
  size_t count() const {
    std::vector<std::string> names;
    Poco::File d(maildir() + "/new");
    if (!d.exists()) return 0;
    d.list(names);
    return names.size();
  }

  bool waitFor(size_t n, int seconds = 20) const {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (count() < n && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return count() >= n;
  }

  // [{"to", "from", "subject" (decoded), "message_id", "text", "html", "attachments": [{"name",
  //   "type", "content"}]}], in delivery order.
  Poco::JSON::Array::Ptr messages() const {
    const char* script =
        "import email, email.policy, json, os, sys\n"
        "d = os.path.join(sys.argv[1], 'new')\n"
        "out = []\n"
        "names = sorted(os.listdir(d), key=lambda n: os.stat(os.path.join(d, n)).st_mtime_ns) if os.path.isdir(d) else []\n"
        "for n in names:\n"
        "    m = email.message_from_bytes(open(os.path.join(d, n), 'rb').read(), policy=email.policy.default)\n"
        "    r = {'to': str(m['To']), 'from': str(m['From']), 'subject': str(m['Subject']),\n"
        "         'message_id': str(m['Message-ID']), 'rcpt': str(m['X-RcptTo']), 'text': '', 'html': '', 'attachments': []}\n"
        "    for part in m.walk():\n"
        "        ct = part.get_content_type()\n"
        "        if part.get_filename():\n"
        "            r['attachments'].append({'name': part.get_filename(), 'type': ct, 'content': part.get_content() if ct.startswith('text/') else ''})\n"
        "        elif ct == 'text/plain': r['text'] = part.get_content()\n"
        "        elif ct == 'text/html': r['html'] = part.get_content()\n"
        "    out.append(r)\n"
        "print(json.dumps(out))\n";
    Poco::Pipe outPipe;
    auto h = Poco::Process::launch("/usr/bin/python3", {"-c", script, maildir()}, nullptr, &outPipe, nullptr);
    Poco::PipeInputStream in(outPipe);
    std::string json;
    Poco::StreamCopier::copyToString(in, json);
    h.wait();
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Array::Ptr>();
  }

 private:
  TempDir dir_;
  int port_;
  Mode mode_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

// `sendflow serve` as a child we may SIGKILL (tests/support/server.h only stops politely).
class ServeProcess {
 public:
  ServeProcess(const std::string& binary, const std::map<std::string, std::string>& env) {
    Poco::Process::Env e(env.begin(), env.end());
    handle_ = std::make_unique<Poco::ProcessHandle>(
        Poco::Process::launch(binary, {"serve"}, ".", nullptr, nullptr, nullptr, e));
  }
  ~ServeProcess() { kill(SIGTERM); }
  void kill(int sig) {
    if (!handle_) return;
    ::kill(handle_->id(), sig);
    handle_->wait();
    handle_.reset();
  }

 private:
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

}  // namespace sendflow::testing
