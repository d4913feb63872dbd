// Serve(): the httplib server, its pre-routing (access) and post-routing (ETag) handlers,
// error answers as JSON, signals, and the read API's routes.
#include "server/server.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "server/api.h"
#include "server/auth.h"
#include "server/compress.h"
#include "server/http_util.h"
#include "server/page.h"
#include "server/study_routes.h"
#include "store/store.h"
#include "store/token_store.h"
#include "util/clock.h"
#include "util/hash.h"

namespace drover::server {
namespace {

constexpr char kCookie[] = "drover_token";
constexpr double kTouchEveryS = 60;  // how often a token's last use is written
constexpr int kListenBacklog = 1024;

// Who may do what on this server: the tokens in the store (read again for every request,
// so that a token made or revoked while the server runs counts at once) and the login
// link's token, which lives in memory as long as the server does.
class Access {
 public:
  Access(std::string root, bool loopback, bool tls)
      : root_(std::move(root)), loopback_(loopback), tls_(tls) {}

  // Makes the login link's token (an admin's: whoever can start the server owns the store).
  std::string NewSessionToken() {
    const std::string token = NewToken();
    session_ = MakeTokenRecord("(login link)", Role::kAdmin, token, NowSeconds());
    return token;
  }

  // The pre-routing handler: Handled (with the answer) when the request is refused or
  // is a login link (answered with the cookie and a redirect); Unhandled to route it.
  httplib::Server::HandlerResponse Check(const httplib::Request& req, httplib::Response& res);

 private:
  std::optional<TokenRecord> Known(const std::vector<TokenRecord>& stored, const std::string& t);
  void Touch(const std::string& name);
  void Login(const httplib::Request& req, httplib::Response& res, const std::string& token);
  bool SameOrigin(const httplib::Request& req) const;
  // A server without tokens on loopback: refuses what another site's page may send.
  httplib::Server::HandlerResponse OpenCheck(const httplib::Request& req,
                                             httplib::Response& res) const;

  std::string root_;
  bool loopback_, tls_;
  std::optional<TokenRecord> session_;
  std::mutex mu_;
  std::map<std::string, double> touched_;  // token name -> when its last use was written
};

// The value of cookie `name` in the Cookie header, "" when absent.
std::string CookieValue(const httplib::Request& req, const std::string& name) {
  const std::string all = req.get_header_value("Cookie");
  size_t at = 0;
  while (at < all.size()) {
    size_t end = all.find(';', at);
    if (end == std::string::npos) end = all.size();
    std::string part = all.substr(at, end - at);
    part.erase(0, part.find_first_not_of(' '));
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

// A token as NewToken makes them: letters, digits and '_', at most 128 of them.
bool TokenShaped(const std::string& t) {
  if (t.empty() || t.size() > 128) return false;
  for (unsigned char c : t)
    if (!std::isalnum(c) && c != '_') return false;
  return true;
}

// The path and query of `req` without its token parameter; a path that would leave this
// server ("//other.host/...") becomes "/".
std::string WithoutToken(const httplib::Request& req) {
  std::string query;
  for (const auto& [k, v] : req.params) {
    if (k == "token") continue;
    query += (query.empty() ? "?" : "&") + httplib::detail::encode_query_param(k) + "=" +
             httplib::detail::encode_query_param(v);
  }
  const bool local = !req.path.empty() && req.path[0] == '/' && req.path.rfind("//", 0) != 0 &&
                     req.path.find_first_of("\\\r\n") == std::string::npos;
  return (local ? req.path : "/") + query;
}

std::optional<TokenRecord> Access::Known(const std::vector<TokenRecord>& stored,
                                         const std::string& t) {
  if (session_ && FindToken({*session_}, t)) return session_;
  return FindToken(stored, t);
}

void Access::Touch(const std::string& name) {
  const double now = NowSeconds();
  {
    std::lock_guard<std::mutex> lock(mu_);
    double& last = touched_[name];
    if (now - last < kTouchEveryS) return;
    last = now;
  }
  (void)TouchToken(root_, name, now);  // best effort: a busy store skips one update
}

void Access::Login(const httplib::Request& req, httplib::Response& res, const std::string& token) {
  res.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict{}", kCookie,
                                           token, tls_ ? "; Secure" : ""));
  res.set_redirect(WithoutToken(req), 303);
}

bool Access::SameOrigin(const httplib::Request& req) const {
  std::string origin = req.get_header_value("Origin");
  if (origin.empty()) origin = req.get_header_value("Referer");
  const std::string self = (tls_ ? "https://" : "http://") + req.get_header_value("Host");
  return !origin.empty() && origin.rfind(self, 0) == 0 &&
         (origin.size() == self.size() || origin[self.size()] == '/');
}

httplib::Server::HandlerResponse Access::OpenCheck(const httplib::Request& req,
                                                   httplib::Response& res) const {
  using HR = httplib::Server::HandlerResponse;
  // Another site's page in the user's browser may send requests to a loopback server:
  // a Host that is no loopback name (DNS rebinding) or a foreign Origin on a change is
  // refused.
  std::string host = req.get_header_value("Host");
  if (!host.empty() && host[0] == '[') host = host.substr(1, host.find(']') - 1);
  else host = host.substr(0, host.rfind(':') == std::string::npos ? host.size() : host.rfind(':'));
  if (!host.empty() && !IsLoopback(host)) {
    SendError(res, 403, "Host " + host + " is not this loopback server's address");
    return HR::Handled;
  }
  if (req.method != "GET" && req.method != "HEAD" && req.has_header("Origin") && !SameOrigin(req)) {
    SendError(res, 403, "a request that changes the store from another site's page (Origin " +
                            req.get_header_value("Origin") + ") is refused");
    return HR::Handled;
  }
  return HR::Unhandled;
}

httplib::Server::HandlerResponse Access::Check(const httplib::Request& req,
                                               httplib::Response& res) {
  using HR = httplib::Server::HandlerResponse;
  auto reader = ThreadReader(ServeContext{root_});
  auto stored = reader.ok() ? (*reader)->Tokens() : Result<std::vector<TokenRecord>>(reader.status());
  if (!stored.ok()) {
    SendError(res, 500, "the store's tokens could not be read: " + stored.status().message());
    return HR::Handled;
  }
  const bool open = stored->empty() && loopback_;
  std::string token;
  bool by_cookie = false;
  const std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) {
    token = auth.substr(7);
  } else if (std::string c = CookieValue(req, kCookie); !c.empty()) {
    token = c;
    by_cookie = true;
  }
  if (req.method == "GET" && req.has_param("token")) {  // a login link
    const std::string t = req.get_param_value("token");
    if (!TokenShaped(t)) {  // never into a header as given
      SendError(res, 400, "the link's token is malformed: copy the whole link that "
                          "`drover serve` printed");
      return HR::Handled;
    }
    if (!open && !Known(*stored, t)) {
      SendError(res, 401, "the link's token is not known to this server (revoked, or from "
                          "another store): ask for a new link or `drover token create`");
      return HR::Handled;
    }
    Login(req, res, t);
    return HR::Handled;
  }
  if (open) return OpenCheck(req, res);  // no token anywhere; only this machine connects
  const Role need = RequiredRole(req.method, req.path);
  if (token.empty()) {
    SendError(res, 401, "this server needs a token: send `Authorization: Bearer TOKEN` "
                        "(`drover token create NAME --role read` makes one) or open the "
                        "login link that `drover serve` printed");
    return HR::Handled;
  }
  auto known = Known(*stored, token);
  if (!known) {
    SendError(res, 401, "unknown token (revoked, or from another store): "
                        "`drover token list` shows the store's tokens");
    return HR::Handled;
  }
  const Role has = ParseRole(known->role).value_or(Role::kNone);
  if (has < need) {
    SendError(res, 403, fmt::format("token '{}' has role {}; {} {} needs role {}", known->name,
                                    known->role, req.method, req.path, RoleName(need)));
    return HR::Handled;
  }
  if (by_cookie && req.method != "GET" && req.method != "HEAD" && !SameOrigin(req)) {
    SendError(res, 403, "a request that changes the store and is authenticated by the login "
                        "cookie must come from this server's own page (Origin check); scripts "
                        "send `Authorization: Bearer TOKEN` instead");
    return HR::Handled;
  }
  if (known->name != "(login link)") Touch(known->name);
  return HR::Unhandled;
}

// GET /api answers: an ETag from the body; a matching If-None-Match gets 304, no body.
void AddETag(const httplib::Request& req, httplib::Response& res) {
  if ((req.method != "GET" && req.method != "HEAD") || req.path.rfind("/api/", 0) != 0 ||
      res.status != 200)
    return;
  const std::string etag = "\"" + HashString(res.body) + "\"";
  res.set_header("ETag", etag);
  res.set_header("Cache-Control", "no-cache");
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    res.body.clear();
    res.headers.erase("Content-Length");  // a 304 has no body
    res.headers.erase("Content-Type");
  }
}

// Errors without a body (no route, a body over the limit, a bad request line) as JSON.
void ErrorBody(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty()) return;
  std::string msg;
  switch (res.status) {
    case 404: msg = "no such route: " + req.method + " " + req.path + " (see /api/v1/version "
                    "and the README's drover serve section)"; break;
    case 405: msg = "method not allowed: " + req.method + " " + req.path; break;
    case 413: msg = fmt::format("request body too large: at most {} bytes", kMaxBodyBytes); break;
    case 414: msg = "request URI too long"; break;
    default: msg = fmt::format("request failed ({})", res.status);
  }
  SendError(res, res.status, msg);
}

void RegisterVersion(httplib::Server& srv) {
  srv.Get("/api/v1/version", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, {{"drover", DROVER_VERSION}, {"api", 1},
                        {"schema", StoreSchemaVersion()}});
  });
}

Status CheckOptions(const ServeOptions& o, bool loopback, bool have_tokens) {
  if (o.tls_cert.empty() != o.tls_key.empty())
    return Status::Invalid("--tls-cert and --tls-key go together: give both PEM files");
  if (o.port < 0 || o.port > 65535)
    return Status::Invalid(fmt::format("--port {}: use 1 to 65535, or 0 for any free port", o.port));
  if (loopback) return Status::Ok();
  if (o.tls_cert.empty() && !o.insecure)
    return Status::Invalid("--bind " + o.bind + " lets other machines connect: give "
                           "--tls-cert FILE --tls-key FILE (PEM) so that tokens do not travel "
                           "in clear text, or --insecure on a network you trust");
  if (!have_tokens)
    return Status::Invalid("--bind " + o.bind + " lets other machines connect, and the store "
                           "has no token: make one first with `drover token create NAME "
                           "--role read|submit|admin`");
  return Status::Ok();
}

// The server's URL: scheme, host (the bind address; this machine's name for a wildcard).
std::string BaseUrl(const ServeOptions& o, int port) {
  std::string host = o.bind;
  if (host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = gethostname(name, sizeof name - 1) == 0 ? name : "localhost";
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return fmt::format("{}://{}:{}/", o.tls_cert.empty() ? "http" : "https", host, port);
}

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts); a watcher thread
// waits for them and stops the server. Stop() ends the watcher when the server ended first.
class SignalWatch {
 public:
  explicit SignalWatch(httplib::Server* srv) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, srv] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (sig != SIGUSR2) srv->stop();
    });
  }
  ~SignalWatch() {
    pthread_kill(thread_.native_handle(), SIGUSR2);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_, old_;
  std::thread thread_;
};

}  // namespace

bool IsLoopback(const std::string& address) {
  if (address == "localhost" || address == "::1") return true;
  in_addr a{};
  return inet_pton(AF_INET, address.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

Status Serve(const ServeOptions& o) {
  // Creates the store when missing and migrates an older one (the tokens table).
  auto store = OpenSqliteStore(o.store_root, StoreAccess::kWrite);
  if (!store.ok()) return store.status();
  store->reset();
  auto tokens = ListTokens(o.store_root);
  if (!tokens.ok()) return tokens.status();
  const bool loopback = IsLoopback(o.bind);
  DROVER_RETURN_IF_ERROR(CheckOptions(o, loopback, !tokens->empty()));

  std::unique_ptr<httplib::Server> srv;
  if (!o.tls_cert.empty()) {
    auto ssl = std::make_unique<httplib::SSLServer>(o.tls_cert.c_str(), o.tls_key.c_str());
    if (!ssl->is_valid())
      return Status::Invalid("--tls-cert " + o.tls_cert + " / --tls-key " + o.tls_key +
                             ": not a readable PEM certificate and matching private key");
    srv = std::move(ssl);
  } else {
    srv = std::make_unique<httplib::Server>();
  }
  const ServeContext ctx{o.store_root};
  auto access = std::make_shared<Access>(o.store_root, loopback, !o.tls_cert.empty());
  const std::string session = tokens->empty() ? "" : access->NewSessionToken();
  const int threads = o.threads;
  srv->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  srv->set_payload_max_length(kMaxBodyBytes);
  // Without TCP_NODELAY a kept-alive connection (browsers, http.client) waits ~40 ms for
  // the client's delayed ACK before the body that follows the headers goes out.
  srv->set_tcp_nodelay(true);
  srv->set_pre_routing_handler(
      [access](const httplib::Request& req, httplib::Response& res) {
        PreferGzip(req);  // compress.h: gzip, not cpp-httplib's slow brotli
        return access->Check(req, res);
      });
  srv->set_post_routing_handler(AddETag);
  srv->set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request& req, httplib::Response& res) {
        ErrorBody(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }));
  srv->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
    SendError(res, 500, "internal error while answering; the server goes on (please report it)");
  });
  RegisterVersion(*srv);
  RegisterRunRoutes(*srv, ctx);
  RegisterJobRoutes(*srv, ctx);
  RegisterTableRoutes(*srv, ctx);
  RegisterStudyRoutes(*srv, ctx);
  RegisterPageRoutes(*srv, ctx);  // last: its catch-all GET serves the page

  // The compiled cpp-httplib listens with a backlog of 5, too few for a burst of clients
  // (their connections are reset): listen() again on the bound socket with a longer one.
  auto listen_fd = std::make_shared<int>(-1);
  srv->set_socket_options([listen_fd](socket_t fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *listen_fd = fd;
  });
  SignalWatch watch(srv.get());  // before any server thread starts
  int port = o.port;
  if (port == 0) {
    port = srv->bind_to_any_port(o.bind);
  } else if (!srv->bind_to_port(o.bind, port)) {
    port = -1;
  }
  if (port < 0)
    return Status::Io(fmt::format("cannot listen on {}:{}: the port is taken or the address is "
                                  "not this machine's; try another --port (0: any free one)",
                                  o.bind, o.port));
  if (*listen_fd >= 0) ::listen(*listen_fd, kListenBacklog);
  std::string url = BaseUrl(o, port);
  if (!session.empty()) url += "?token=" + session;
  if (o.on_listening) o.on_listening(url);
  if (!srv->listen_after_bind()) return Status::Io("the server stopped on an error");
  return Status::Ok();
}

}  // namespace drover::server
