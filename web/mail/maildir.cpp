#include "mail/maildir.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Net/MediaType.h>
#include <Poco/Net/MessageHeader.h>
#include <Poco/Net/MultipartReader.h>
#include <Poco/Net/QuotedPrintableDecoder.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "sendflow/engine/core/disk_full.h"

namespace sendflow::web {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void fault(const std::string& what, int error) {
  const std::string message = what + " (errno " + std::to_string(error) + ")";
  if (error == ENOSPC || error == EDQUOT) throw engine::DiskFullError(message);
  throw engine::InfraError(message);
}

void syncDirectory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);  // best effort: the rename is durable once the directory is
  ::close(fd);
}

// A name a delivery made: "<unix seconds>.Q<outbox id>.sendflow" (Maildir names start with the
// time); a hidden or odd name (a mail client's own) is still listed, by its leading digits.
engine::TimePoint timeOfName(const std::string& name) {
  long long t = 0;
  std::from_chars(name.data(), name.data() + name.size(), t);
  return engine::fromUnix(t);
}

bool plainName(const std::string& name) {
  return !name.empty() && name[0] != '.' &&
         name.find_first_not_of(
             "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
             ".,:=_-") == std::string::npos;
}

std::string decoded(const Poco::Net::MessageHeader& h, const std::string& name) {
  return Poco::Net::MessageHeader::decodeWord(h.get(name, ""));
}

// The first text/plain part of a (possibly nested) MIME entity, transfer-decoded.
bool findText(const Poco::Net::MessageHeader& header, std::istream& body, std::string& out) {
  const Poco::Net::MediaType type(header.get("Content-Type", "text/plain"));
  if (type.matches("multipart")) {
    Poco::Net::MultipartReader reader(
        body, (type.hasParameter("boundary") ? type.getParameter("boundary") : std::string()));
    bool found = false;
    while (reader.hasNextPart()) {
      Poco::Net::MessageHeader partHeader;
      reader.nextPart(partHeader);
      if (!found) {
        found = findText(partHeader, reader.stream(), out);
      } else {
        std::string skipped;
        Poco::StreamCopier::copyToString(reader.stream(), skipped);
      }
    }
    return found;
  }
  if (!type.matches("text", "plain")) return false;
  const std::string encoding = Poco::toLower(header.get("Content-Transfer-Encoding", "7bit"));
  if (encoding == "quoted-printable") {
    Poco::Net::QuotedPrintableDecoder decoder(body);
    Poco::StreamCopier::copyToString(decoder, out);
  } else if (encoding == "base64") {
    Poco::Base64Decoder decoder(body);
    Poco::StreamCopier::copyToString(decoder, out);
  } else {
    Poco::StreamCopier::copyToString(body, out);
  }
  out.erase(std::remove(out.begin(), out.end(), '\r'), out.end());
  return true;
}

}  // namespace

std::string Maildir::deliver(const Poco::Net::MailMessage& msg, std::int64_t outboxId,
                             engine::TimePoint queuedAt) const {
  const fs::path root(dir_);
  std::error_code ec;
  for (const char* sub : {"tmp", "new", "cur"}) {
    fs::create_directories(root / sub, ec);
    if (ec) fault("cannot create the demo mailbox " + (root / sub).string(), ec.value());
  }
  const std::string name =
      std::to_string(engine::toUnix(queuedAt)) + ".Q" + std::to_string(outboxId) + ".sendflow";
  const fs::path target = root / "new" / name;
  if (fs::exists(target, ec) || fs::exists(root / "cur" / name, ec)) return name;  // delivered
  std::ostringstream bytes;
  msg.write(bytes);
  const std::string data = bytes.str();
  const fs::path tmp = root / "tmp" / (name + "." + std::to_string(::getpid()));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) fault("cannot create " + tmp.string(), errno);
  auto fail = [&](const char* what) {
    int saved = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fault(std::string(what) + " " + tmp.string(), saved);
  };
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = ENOSPC;
    if (n <= 0) fail("cannot write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) fail("cannot sync");
  if (::close(fd) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    fault("cannot close " + tmp.string(), saved);
  }
  if (::rename(tmp.c_str(), target.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    fault("cannot move the message into " + target.string(), saved);
  }
  syncDirectory(root / "new");
  return name;
}

std::vector<Maildir::Entry> Maildir::list() const {
  std::vector<Entry> out;
  std::error_code ec;
  for (const char* sub : {"new", "cur"}) {
    for (fs::directory_iterator it(fs::path(dir_) / sub, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (!plainName(name) || !it->is_regular_file(ec)) continue;
      std::ifstream in(it->path(), std::ios::binary);
      Poco::Net::MessageHeader h;
      try {
        h.read(in);
      } catch (const Poco::Exception&) {
        continue;  // not a message
      }
      out.push_back({name, timeOfName(name), decoded(h, "To"), decoded(h, "Subject")});
    }
  }
  std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
    return a.delivered != b.delivered ? a.delivered > b.delivered : a.name > b.name;
  });
  return out;
}

std::optional<std::string> Maildir::pathOf(const std::string& name) const {
  if (!plainName(name)) return std::nullopt;
  std::error_code ec;
  for (const char* sub : {"new", "cur"}) {
    const fs::path p = fs::path(dir_) / sub / name;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

std::optional<Maildir::Message> Maildir::read(const std::string& name) const {
  const auto path = pathOf(name);
  if (!path) return std::nullopt;
  std::ifstream in(*path, std::ios::binary);
  Poco::Net::MessageHeader h;
  Message m;
  try {
    h.read(in);
    // MessageHeader::read stops before the blank line's CR LF (as MailMessage::readHeader).
    if (in.peek() == '\r') in.get();
    if (in.peek() == '\n') in.get();
    findText(h, in, m.text);
  } catch (const Poco::Exception&) {
    return std::nullopt;
  }
  m.entry = {name, timeOfName(name), decoded(h, "To"), decoded(h, "Subject")};
  m.from = decoded(h, "From");
  return m;
}

}  // namespace sendflow::web
