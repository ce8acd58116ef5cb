// Raw TCP to the server under test, for what an HTTP library will not send: malformed heads,
// smuggled bodies, slow trickles, and connections from other loopback addresses (127.0.0.2, ...)
// so that one test can be several clients (tests only).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sendflow::testing {

class RawSocket {
 public:
  // Connects to 127.0.0.1:port from `source` (any 127.0.0.0/8 address).
  RawSocket(int port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket() failed");
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0)
      throw std::runtime_error("bind to " + source + " failed");
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0)
      throw std::runtime_error("connect failed: " + std::string(std::strerror(errno)));
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  // False when the server has closed or reset the connection.
  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  // Reads until the server closes the connection (closed() then holds) or nothing more arrives
  // for `quiet`; never longer than `limit`.
  std::string readAll(std::chrono::milliseconds quiet = std::chrono::milliseconds(1500),
                      std::chrono::milliseconds limit = std::chrono::milliseconds(20000)) {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!closed_ && std::chrono::steady_clock::now() < until) {
      if (!readSome(out, quiet)) break;
    }
    return out;
  }

  // Reads one whole response (head, then Content-Length bytes of body) within `limit`; what it
  // got when the time is up or the connection ends.
  std::string readResponse(std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (!closed_ && std::chrono::steady_clock::now() < until) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        const std::size_t total = end + 4 + contentLength(pending_.substr(0, end));
        if (pending_.size() >= total) {
          std::string one = pending_.substr(0, total);
          pending_.erase(0, total);
          return one;
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (!readSome(pending_, std::max(left, std::chrono::milliseconds(1)))) break;
    }
    std::string partial;
    partial.swap(pending_);
    return partial;
  }

  bool closed() const { return closed_; }
  int fd() const { return fd_; }

 private:
  static std::size_t contentLength(const std::string& head) {
    const auto at = head.find("\r\nContent-Length: ");
    if (at == std::string::npos) return 0;
    return static_cast<std::size_t>(std::stoul(head.substr(at + 18)));
  }

  // Appends what arrives within `wait`; false on timeout or end of stream.
  bool readSome(std::string& out, std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      closed_ = true;  // end of stream or reset
      return false;
    }
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool closed_ = false;
  std::string pending_;
};

// How many responses a byte stream holds: status lines at the start or after a line end.
inline int countResponses(const std::string& bytes) {
  int n = bytes.rfind("HTTP/1.", 0) == 0 ? 1 : 0;
  for (std::size_t at = bytes.find("\nHTTP/1."); at != std::string::npos;
       at = bytes.find("\nHTTP/1.", at + 1))
    ++n;
  return n;
}

inline int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

// A header's value in a raw response head, or "" (first match, case as sent).
inline std::string headerOf(const std::string& response, const std::string& name) {
  const auto end = response.find("\r\n\r\n");
  const std::string head = response.substr(0, end);
  const auto at = head.find("\r\n" + name + ": ");
  if (at == std::string::npos) return "";
  const auto from = at + 4 + name.size();
  return head.substr(from, head.find("\r\n", from) - from);
}

// Lets this test process hold a few thousand sockets.
inline void raiseOpenFilesLimit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

}  // namespace sendflow::testing
