// WebSockets served by the event loop (http_server.h). A route handler checks who is asking,
// then calls acceptWebSocket with a WebSocketHandler; the pipeline answers 101 and the front end
// switches the connection once that answer is written. From then on the loop reads and writes
// frames (websocket_frames.h) and the handler runs on the worker pool: opened() first, then each
// text message in order, then closed(), one call at a time per connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace sendflow::web {

class Exchange;

// The sending side of one WebSocket. Thread-safe and non-blocking: a message is queued to the
// loop, which writes it; messages after the close are dropped.
class WebSocketChannel {
 public:
  virtual ~WebSocketChannel() = default;
  virtual void sendText(const std::string& message) = 0;
  virtual void close(std::uint16_t code) = 0;
};

class WebSocketHandler {
 public:
  virtual ~WebSocketHandler() = default;
  virtual void opened(const std::shared_ptr<WebSocketChannel>& channel) = 0;
  virtual void received(const std::string& text) = 0;  // one whole text message, valid UTF-8
  virtual void closed() = 0;  // the last call, made once whatever ended the connection
};

struct WebSocketOptions {
  std::size_t maxMessageBytes = 64 * 1024;
  // Sent as a text message before closing with 1009 when a client's message is larger.
  std::string tooBigText;
};

struct WebSocketUpgrade {
  std::shared_ptr<WebSocketHandler> handler;
  WebSocketOptions options;
};

// Checks the handshake (GET, Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Version 13,
// a Sec-WebSocket-Key of 16 bytes) and answers 101 with Sec-WebSocket-Accept (Poco's SHA1Engine
// and Base64Encoder). A bad handshake is answered 400 (426 for another version) and false is
// returned; nothing is switched.
bool acceptWebSocket(Exchange& ex, std::shared_ptr<WebSocketHandler> handler,
                     WebSocketOptions options = {});

}  // namespace sendflow::web
