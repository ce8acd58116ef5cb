// The demo mailbox: a Maildir (tmp/, new/, cur/) that a demo server (demo.mailbox=true, set by
// scripts/run only) delivers every message into instead of sending it, and that the demo
// mailbox page reads. A real server never has one (app/config.h MailSettings::demoMaildir).
#pragma once

#include <Poco/Net/MailMessage.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

class Maildir {
 public:
  // `dir` is created (with tmp/, new/ and cur/) on the first delivery, not before.
  explicit Maildir(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }

  // Writes `msg` (the bytes Poco writes for SMTP's DATA, before dot-stuffing: RFC 5322, CRLF)
  // into tmp/, syncs it and renames it into new/ under a name made of `queuedAt` and the
  // outbox row's id, so a row delivered again (after a crash) is one file, not two. Returns the
  // file's name. Throws engine::InfraError (engine::DiskFullError when the disk is full).
  std::string deliver(const Poco::Net::MailMessage& msg, std::int64_t outboxId,
                      engine::TimePoint queuedAt) const;

  struct Entry {
    std::string name;  // the file's name in new/ or cur/
    engine::TimePoint delivered;
    std::string to, subject;  // decoded header values
  };
  // Every message, newest first (none when nothing was delivered yet).
  std::vector<Entry> list() const;

  struct Message {
    Entry entry;
    std::string from;
    std::string text;  // the text/plain part, decoded
  };
  // The message named `name` (as list() gave it); nullopt when there is none such.
  std::optional<Message> read(const std::string& name) const;

 private:
  std::optional<std::string> pathOf(const std::string& name) const;
  const std::string dir_;
};

}  // namespace sendflow::web
