// Poco's server request and response interfaces over memory, for the event-loop front end
// (http_server.h). The loop reads a request whole (head parsed by Poco's HTTPRequest::read, body
// exactly Content-Length bytes) before a worker runs it; the handler's response is buffered and
// handed back to the loop as bytes (head written by Poco's HTTPResponse::write) to be written
// without blocking. Handlers see the same Poco::Net::HTTPServerRequest/Response as before.
#pragma once

#include <Poco/MemoryStream.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SocketAddress.h>

#include <memory>
#include <sstream>
#include <string>

namespace sendflow::web {

class BufferedRequest : public Poco::Net::HTTPServerRequest {
 public:
  BufferedRequest(const Poco::Net::SocketAddress& client, const Poco::Net::SocketAddress& server,
                  bool secure);

  void setBody(std::string body);  // REQUIRES: the whole body, as the head announced it
  const std::string& body() const { return body_; }
  void setResponse(Poco::Net::HTTPServerResponse& response) { response_ = &response; }

  std::istream& stream() override { return *stream_; }
  const Poco::Net::SocketAddress& clientAddress() const override { return client_; }
  const Poco::Net::SocketAddress& serverAddress() const override { return server_; }
  const Poco::Net::HTTPServerParams& serverParams() const override;
  Poco::Net::HTTPServerResponse& response() const override { return *response_; }
  bool secure() const override { return secure_; }

 private:
  Poco::Net::SocketAddress client_, server_;
  bool secure_;
  std::string body_;
  std::unique_ptr<Poco::MemoryInputStream> stream_;
  Poco::Net::HTTPServerResponse* response_ = nullptr;
};

class BufferedResponse : public Poco::Net::HTTPServerResponse {
 public:
  explicit BufferedResponse(BufferedRequest& request);

  void sendContinue() override {}  // the front end answers Expect: 100-continue itself
  std::ostream& send() override;
  void sendFile(const std::string& path, const std::string& mediaType) override;
  void sendBuffer(const void* buffer, std::size_t length) override;
  void redirect(const std::string& uri, HTTPStatus status = HTTP_FOUND) override;
  void requireAuthentication(const std::string& realm) override;
  bool sent() const override { return sent_; }

  // The bytes to write: the head as Poco writes it, then the body unless `headOnly` (HEAD) or the
  // status has none. Content-Length is the body's size; `keepAlive` sets Connection. A header
  // carrying a control character is never written: the answer becomes a 500 (and is logged by
  // the caller through `refusedHeader`). Called once, last: it takes the body out of the stream.
  std::string serialize(bool headOnly, bool keepAlive, bool https, std::string* refusedHeader);

 private:
  bool sent_ = false;
  std::ostringstream body_;
};

// True when a header name is an RFC 9110 token and its value holds no control character other
// than horizontal tab: safe to write as one header line.
bool headerIsSafe(const std::string& name, const std::string& value);

// The front end's own answers (400, 408, 411, 413, 431, 503, ...): a short text body with the
// same security headers as every other response. `retryAfterSeconds` > 0 adds Retry-After.
// `json`: the API's error shape instead ({"error": {"code", "message"}}), for /api/ requests.
std::string plainResponse(int status, const std::string& message, bool https, bool keepAlive,
                          int retryAfterSeconds = 0, bool json = false);

}  // namespace sendflow::web
