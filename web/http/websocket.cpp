#include "http/websocket.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/DigestEngine.h>
#include <Poco/SHA1Engine.h>
#include <Poco/String.h>

#include <sstream>

#include "http/http.h"

namespace sendflow::web {
namespace {

constexpr const char* kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";  // RFC 6455 1.3

std::string acceptKey(const std::string& key) {
  Poco::SHA1Engine sha1;
  sha1.update(key + kGuid);
  const Poco::DigestEngine::Digest& digest = sha1.digest();
  std::ostringstream out;
  Poco::Base64Encoder b64(out);
  b64.write(reinterpret_cast<const char*>(digest.data()),
            static_cast<std::streamsize>(digest.size()));
  b64.close();
  return out.str();
}

// A Sec-WebSocket-Key is 16 random bytes in base64 (RFC 6455 4.1).
bool wellFormedKey(const std::string& key) {
  if (key.size() != 24) return false;
  std::istringstream in(key);
  Poco::Base64Decoder decoder(in);
  std::string bytes((std::istreambuf_iterator<char>(decoder)), std::istreambuf_iterator<char>());
  return bytes.size() == 16;
}

}  // namespace

bool acceptWebSocket(Exchange& ex, std::shared_ptr<WebSocketHandler> handler,
                     WebSocketOptions options) {
  auto& req = ex.request;
  if (req.getMethod() != "GET" || Poco::icompare(req.get("Upgrade", ""), "websocket") != 0 ||
      !req.hasToken("Connection", "upgrade")) {
    ex.error(400, "This address speaks WebSocket only.");
    return false;
  }
  if (req.get("Sec-WebSocket-Version", "") != "13") {
    ex.response.set("Sec-WebSocket-Version", "13");
    ex.error(426, "This server speaks WebSocket version 13.");
    return false;
  }
  std::string key = req.get("Sec-WebSocket-Key", "");
  bool keyOk = false;
  try {
    keyOk = wellFormedKey(key);
  } catch (const Poco::Exception&) {
  }
  if (!keyOk) {
    ex.error(400, "The WebSocket handshake has no valid Sec-WebSocket-Key.");
    return false;
  }
  auto& res = ex.response;
  res.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_SWITCHING_PROTOCOLS);
  res.set("Upgrade", "websocket");
  res.set("Connection", "Upgrade");
  res.set("Sec-WebSocket-Accept", acceptKey(key));
  res.send();
  ex.webSocket =
      std::make_shared<WebSocketUpgrade>(WebSocketUpgrade{std::move(handler), std::move(options)});
  return true;
}

}  // namespace sendflow::web
