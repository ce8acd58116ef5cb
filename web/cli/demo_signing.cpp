// Demo plans signed for real: the signature service, the links from the invitation emails.
#include <Poco/Checksum.h>
#include <Poco/DeflatingStream.h>
#include <Poco/JSON/Parser.h>

#include <cmath>
#include <sstream>

#include "app/app.h"
#include "cli/demo.h"
#include "mail/mail.h"

namespace sendflow::web {
namespace {

void chunk(std::string& out, const char* type, const std::string& data) {
  auto be32 = [&](std::uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<char>((v >> s) & 0xFF));
  };
  be32(static_cast<std::uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  out += body;
  Poco::Checksum crc(Poco::Checksum::TYPE_CRC32);
  crc.update(body.data(), static_cast<unsigned>(body.size()));
  be32(crc.checksum());
}

// A 240×80 greyscale PNG with a handwritten-looking stroke.
std::string demoSignaturePng() {
  const int w = 240, h = 80;
  std::vector<std::string> rows(h, std::string(static_cast<std::size_t>(w), '\xff'));
  for (int x = 10; x < 230; ++x) {
    double t = (x - 10) / 220.0;
    int y = static_cast<int>(40 + 22 * std::sin(t * 12.0) * (1.0 - t * 0.6));
    for (int dy = -1; dy <= 1; ++dy)
      if (y + dy >= 0 && y + dy < h)
        rows[static_cast<std::size_t>(y + dy)][static_cast<std::size_t>(x)] = '\x20';
  }
  std::ostringstream z;
  {
    Poco::DeflatingOutputStream d(z, Poco::DeflatingStreamBuf::STREAM_ZLIB);
    for (const auto& r : rows) {
      d.put('\0');
      d << r;
    }
    d.close();
  }
  std::string png = "\x89PNG\r\n\x1a\n";
  std::string ihdr;
  for (std::uint32_t v : {static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h)})
    for (int s = 24; s >= 0; s -= 8) ihdr.push_back(static_cast<char>((v >> s) & 0xFF));
  ihdr += std::string("\x08\x00\x00\x00\x00", 5);  // 8-bit greyscale
  chunk(png, "IHDR", ihdr);
  chunk(png, "IDAT", z.str());
  chunk(png, "IEND", "");
  return png;
}

// A field of the newest email of this kind to this address about the plan.
std::string mailField(App& app, engine::Id planId, const char* kind, const std::string& email,
                      const std::string& field) {
  for (const auto& m : app.mail().list("", 5000)) {
    if (m.planId != planId || m.kind != kind || m.toAddress != email) continue;
    auto o = Poco::JSON::Parser().parse(m.data).extract<Poco::JSON::Object::Ptr>();
    return o->optValue<std::string>(field, "");
  }
  return "";
}

std::string tokenFor(App& app, engine::Id planId, const std::string& email) {
  std::string salt = mailField(app, planId, engine::mailkind::kSignInvite, email, "link_salt");
  return salt.empty() ? "" : app.signatures().linkTokenFor(salt);
}

}  // namespace

void signDemoPlan(App& app, engine::Id planId) {
  auto& svc = app.signatures();
  for (int round = 0; round < 20; ++round) {
    bool progress = false, open = false;
    for (const auto& r : svc.requests(planId)) {
      if (r.state != engine::requeststate::kInvited && r.state != engine::requeststate::kOpened)
        continue;
      if (!r.required) continue;
      open = true;
      if (r.lastSentAt.empty()) continue;  // not their turn yet
      engine::SignInput in{true, "typed", r.name, "", "192.0.2.10", "Mozilla/5.0 (sendflow demo)"};
      engine::Status st = engine::Ok{};
      if (r.personRef.rfind("user:", 0) == 0) {
        auto u = app.peopleRepository().userById(std::stoll(r.personRef.substr(5)));
        if (!u) throw std::runtime_error("demo: signer " + r.personRef + " is missing");
        auto actor = app.auth().actorFor(*u);
        st = svc.sign({"", &actor, r.id}, in);
      } else {
        std::string token = tokenFor(app, planId, r.email);
        if (token.empty()) throw std::runtime_error("demo: no invitation for " + r.email);
        auto opened = svc.open({token, nullptr, 0}, "192.0.2.20");
        if (!opened)
          throw std::runtime_error("demo: opening the signing link failed: " +
                                   opened.error().message);
        if (opened
                ->needsCode) {  // the academy asks for an emailed code: read it as the signer would
          svc.sendCode({token, nullptr, 0});
          std::string code = mailField(app, planId, engine::mailkind::kSignCode, r.email, "code");
          if (auto ok = svc.checkCode({token, nullptr, 0}, code); !ok)
            throw std::runtime_error("demo: the emailed code was refused: " + ok.error().message);
        }
        if (r.slot == "parent_carer") {
          in.method = "drawn";
          in.drawnPng = demoSignaturePng();
        }
        in.ip = "198.51.100.7";
        st = svc.sign({token, nullptr, 0}, in);
      }
      if (!st)
        throw std::runtime_error("demo: signing as " + r.slot + " failed: " + st.error().message);
      progress = true;
      break;  // re-read: the next signer's turn may have come
    }
    if (!open) return;
    if (!progress)
      throw std::runtime_error("demo: signing made no progress on plan " + std::to_string(planId));
  }
}

}  // namespace sendflow::web
