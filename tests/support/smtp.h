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

#include <cctype>
#include <chrono>
#include <csignal>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace sendflow::testing {

// A whole composed message (headers and every part) as a reader sees its words: quoted-printable
// soft breaks and =XX escapes undone, anything else (encoded-word headers, base64 padding) left
// as written, so a test can look for text in any part, or be sure a text is in none.
inline std::string readableMail(std::string text) {
  for (auto at = text.find("=\r\n"); at != std::string::npos; at = text.find("=\r\n", at))
    text.erase(at, 3);
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

inline int freePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

inline bool portOpen(int port) {
  try {
    Poco::Net::StreamSocket s;
    s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
              Poco::Timespan(0, 200000));
    return true;
  } catch (...) {
    return false;
  }
}

class SmtpServer {
 public:
  enum class Mode { kAccept, kRejectSender };
  explicit SmtpServer(int port = 0, Mode mode = Mode::kAccept)
      : port_(port ? port : freePort()), mode_(mode) {}
  ~SmtpServer() { stop(); }

  void start() {
    std::vector<std::string> args;
    if (mode_ == Mode::kAccept) {
      // aiosmtpd's Mailbox, noting every MAIL and RCPT command it is given in commands.log.
      args = {"-c",
              "import sys, time\n"
              "from aiosmtpd.controller import Controller\n"
              "from aiosmtpd.handlers import Mailbox\n"
              "class H(Mailbox):\n"
              "    def note(self, line):\n"
              "        with open(sys.argv[3], 'a') as f: f.write(line + '\\n')\n"
              "    async def handle_MAIL(self, server, session, envelope, address, options):\n"
              "        self.note('MAIL ' + address)\n"
              "        envelope.mail_from = address\n"
              "        envelope.mail_options.extend(options)\n"
              "        return '250 OK'\n"
              "    async def handle_RCPT(self, server, session, envelope, address, options):\n"
              "        self.note('RCPT ' + address)\n"
              "        envelope.rcpt_tos.append(address)\n"
              "        envelope.rcpt_options.extend(options)\n"
              "        return '250 OK'\n"
              "c = Controller(H(sys.argv[2]), hostname='127.0.0.1', port=int(sys.argv[1]))\n"
              "c.start()\n"
              "while True: time.sleep(3600)\n",
              std::to_string(port_), maildir(), commandLog()};
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
    handle_ =
        std::make_unique<Poco::ProcessHandle>(Poco::Process::launch("/usr/bin/python3", args));
    for (int i = 0; i < 100 && !portOpen(port_); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!portOpen(port_))
      throw std::runtime_error("aiosmtpd did not start on port " + std::to_string(port_));
  }

  void stop() {
    if (!handle_) return;
    Poco::Process::kill(*handle_);
    handle_->wait();
    handle_.reset();
  }

  int port() const { return port_; }
  std::string maildir() const { return dir_.path() + "/Maildir"; }
  std::string commandLog() const { return dir_.path() + "/commands.log"; }

  // "MAIL <address>" and "RCPT <address>" for every such command the server accepted, in order.
  std::vector<std::string> commands() const {
    std::ifstream in(commandLog());
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

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
  //   "type", "content", "raw" (as sent, base64 decoded), "ical" (text/calendar, parsed by
  //   python3-icalendar: summary, description, url, uid, dtstart)}], "headers": [[name, raw value]]
  //   as sent, "raw_header" (the header block as sent), "to_addresses": [[display name (decoded),
  //   address]] (RFC 2047 decoding by email.header: the email package's newer address parser
  //   puts a space between adjacent encoded-words, against RFC 2047 6.2), "parse_error"}], in
  //   delivery order. The server's own X-Peer, X-MailFrom and X-RcptTo lines are left out of
  //   headers and raw_header.
  Poco::JSON::Array::Ptr messages() const {
    const char* script =
        "import email, email.policy, json, os, sys\n"
        "from email.header import decode_header, make_header\n"
        "from email.utils import getaddresses\n"
        "d = os.path.join(sys.argv[1], 'new')\n"
        "out = []\n"
        "names = sorted(os.listdir(d), key=lambda n: os.stat(os.path.join(d, n)).st_mtime_ns) if "
        "os.path.isdir(d) else []\n"
        "for n in names:\n"
        "    raw = open(os.path.join(d, n), 'rb').read()\n"
        "    m = email.message_from_bytes(raw, policy=email.policy.default)\n"
        "    ours = lambda k: k.lower() not in ('x-peer', 'x-mailfrom', 'x-rcptto')\n"
        "    block = raw.split(b'\\n\\n', 1)[0].split(b'\\r\\n\\r\\n', 1)[0].decode('latin-1')\n"
        "    lines = [l for l in block.replace('\\r\\n', '\\n').split('\\n') if not "
        "l.lower().startswith(('x-peer:', 'x-mailfrom:', 'x-rcptto:'))]\n"
        "    r = {'rcpt': str(m['X-RcptTo']), 'text': '', 'html': '', 'attachments': [], "
        "'parse_error': '',\n"
        "         'headers': [[k, v] for k, v in m.raw_items() if ours(k)], 'raw_header': "
        "'\\r\\n'.join(lines), 'to_addresses': []}\n"
        "    for k in ('To', 'From', 'Subject', 'Message-ID'):\n"
        "        try: r[k.lower().replace('-', '_')] = str(m[k])\n"
        "        except Exception as e: r[k.lower().replace('-', '_')] = ''; r['parse_error'] += k "
        "+ ': ' + str(e) + '; '\n"
        "    try:\n"
        "        tos = [v.replace('\\r', '').replace('\\n', '') for k, v in m.raw_items() if "
        "k.lower() == 'to']\n"
        "        r['to_addresses'] = [[str(make_header(decode_header(n))), a] for n, a in "
        "getaddresses(tos)]\n"
        "    except Exception as e: r['parse_error'] += 'To addresses: ' + str(e) + '; '\n"
        "    for part in m.walk():\n"
        "        ct = part.get_content_type()\n"
        "        if part.get_filename():\n"
        "            a = {'name': part.get_filename(), 'type': ct, 'content': part.get_content() "
        "if ct.startswith('text/') else '',\n"
        "                 'raw': part.get_payload(decode=True).decode('utf-8', 'replace')}\n"
        "            if ct == 'text/calendar':\n"
        "                try:\n"
        "                    import icalendar\n"
        "                    ev = "
        "icalendar.Calendar.from_ical(part.get_payload(decode=True)).walk('VEVENT')[0]\n"
        "                    a['ical'] = {k.lower(): str(ev[k]) for k in ('SUMMARY', "
        "'DESCRIPTION', 'URL', 'UID')}\n"
        "                    a['ical']['dtstart'] = ev['DTSTART'].dt.isoformat()\n"
        "                except Exception as e: a['ical_error'] = repr(e)\n"
        "            r['attachments'].append(a)\n"
        "        elif ct == 'text/plain': r['text'] = part.get_content()\n"
        "        elif ct == 'text/html': r['html'] = part.get_content()\n"
        "    out.append(r)\n"
        "sys.stdout.buffer.write(json.dumps(out, ensure_ascii=False).encode('utf-8', 'replace'))\n";
    Poco::Pipe outPipe;
    auto h = Poco::Process::launch("/usr/bin/python3", {"-c", script, maildir()}, nullptr, &outPipe,
                                   nullptr);
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
