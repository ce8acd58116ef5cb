#include "http/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace sendflow::web {
namespace {

Io errnoOutcome() {
  if (errno == EAGAIN || errno == EWOULDBLOCK) return Io::kWouldBlock;
  return Io::kError;
}

class TlsTransport : public Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : Transport(fd), ssl_(ssl) {}
  ~TlsTransport() override { SSL_free(ssl_); }

  bool secure() const override { return true; }

  Io handshake() override {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_accept(ssl_);
    return r == 1 ? want(0) : outcome(r);
  }

  IoResult read(char* buffer, std::size_t size) override {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    if (r > 0) return {want(0), static_cast<std::size_t>(r)};
    return {outcome(r), 0};
  }

  IoResult write(const char* data, std::size_t size) override {
    ERR_clear_error();
    errno = 0;
    const int r = SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    if (r > 0) return {want(0), static_cast<std::size_t>(r)};
    return {outcome(r), 0};
  }

  void shutdownWrite() override {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // close_notify, best effort: the peer may be gone already
    ERR_clear_error();
    Transport::shutdownWrite();
  }

 private:
  Io want(int error) {
    wantRead_ = error == SSL_ERROR_WANT_READ;
    wantWrite_ = error == SSL_ERROR_WANT_WRITE;
    return Io::kDone;
  }

  Io outcome(int ret) {
    const int e = SSL_get_error(ssl_, ret);
    want(e);
    switch (e) {
      case SSL_ERROR_WANT_READ:
      case SSL_ERROR_WANT_WRITE:
        return Io::kWouldBlock;
      case SSL_ERROR_ZERO_RETURN:
        return Io::kClosed;
      case SSL_ERROR_SYSCALL:
        return ret == 0 || errno == 0 ? Io::kClosed : Io::kError;
      default:
        return Io::kError;  // a protocol error, a plain-HTTP client, an unexpected EOF
    }
  }

  SSL* ssl_;
};

}  // namespace

Transport::~Transport() { ::close(fd_); }

IoResult Transport::read(char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) return {Io::kDone, static_cast<std::size_t>(n)};
    if (n == 0) return {Io::kClosed, 0};
    if (errno != EINTR) return {errnoOutcome(), 0};
  }
}

IoResult Transport::write(const char* data, std::size_t size) {
  for (;;) {
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) return {Io::kDone, static_cast<std::size_t>(n)};
    if (errno != EINTR) return {errnoOutcome(), 0};
  }
}

void Transport::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

Io Transport::discardInput() {
  char scratch[16384];
  for (;;) {
    const ssize_t n = ::recv(fd_, scratch, sizeof scratch, 0);
    if (n > 0) continue;
    if (n == 0) return Io::kClosed;
    if (errno != EINTR) return errnoOutcome() == Io::kWouldBlock ? Io::kWouldBlock : Io::kClosed;
  }
}

std::unique_ptr<Transport> plainTransport(int fd) { return std::make_unique<Transport>(fd); }

std::unique_ptr<Transport> tlsTransport(int fd, const Poco::Net::Context::Ptr& context) {
  SSL* ssl = SSL_new(context->sslContext());
  if (!ssl || SSL_set_fd(ssl, fd) != 1) {
    if (ssl) SSL_free(ssl);
    ::close(fd);
    ERR_clear_error();
    return nullptr;
  }
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_set_accept_state(ssl);
  return std::make_unique<TlsTransport>(fd, ssl);
}

Poco::Net::Context::Ptr serverTlsContext(const std::string& certificateFile,
                                         const std::string& keyFile) {
  Poco::Net::Context::Ptr context(new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE,
                                                         keyFile, certificateFile, "",
                                                         Poco::Net::Context::VERIFY_NONE));
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_RENEGOTIATION);
  return context;
}

}  // namespace sendflow::web
