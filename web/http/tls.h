// How a connection's bytes move: plain TCP, or TLS through OpenSSL's non-blocking SSL_accept /
// SSL_read / SSL_write on the SSL_CTX of Poco's Context (which loads the certificate and key).
// Every call returns at once. Used by the event loop's thread only.
#pragma once

#include <Poco/Net/Context.h>

#include <cstddef>
#include <memory>
#include <string>

namespace sendflow::web {

enum class Io { kDone, kWouldBlock, kClosed, kError };

struct IoResult {
  Io status = Io::kDone;
  std::size_t bytes = 0;
};

class Transport {
 public:
  explicit Transport(int fd) : fd_(fd) {}
  virtual ~Transport();  // closes the socket
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int fd() const { return fd_; }
  virtual bool secure() const { return false; }
  // TLS: kWouldBlock until the handshake is done (call again on readiness); plain: kDone.
  virtual Io handshake() { return Io::kDone; }
  virtual IoResult read(char* buffer, std::size_t size);
  virtual IoResult write(const char* data, std::size_t size);
  // After the last byte of the last response: TLS close_notify, then FIN. Reads stay open.
  virtual void shutdownWrite();
  // Lingering close: reads and drops whatever arrived, below TLS. kClosed at end of stream.
  Io discardInput();
  // TLS: the last call could not go on until the socket is writable / readable (a read may need
  // to write and a write to read). Plain sockets never need the other direction.
  bool wantsWrite() const { return wantWrite_; }
  bool wantsRead() const { return wantRead_; }

 protected:
  const int fd_;
  bool wantWrite_ = false;
  bool wantRead_ = false;
};

std::unique_ptr<Transport> plainTransport(int fd);
// Owns `fd` in every case; nullptr when OpenSSL cannot set up the connection (fd closed).
std::unique_ptr<Transport> tlsTransport(int fd, const Poco::Net::Context::Ptr& context);

// The server context: certificate and key from PEM files, TLS 1.2 or newer, no renegotiation.
// Throws Poco::Exception when the files cannot be loaded.
Poco::Net::Context::Ptr serverTlsContext(const std::string& certificateFile,
                                         const std::string& keyFile);

}  // namespace sendflow::web
