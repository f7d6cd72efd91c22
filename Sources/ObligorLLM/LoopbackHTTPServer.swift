import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A minimal HTTP/1.1 server on 127.0.0.1 with an ephemeral port, answering one connection at a time
/// on a background thread (`Connection: close`). It exists so the server clients can be tested, and
/// demonstrated, offline: contract tests replay recorded llama-server exchanges through it and a fake
/// backend can stand in for a model.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// One request as received.
    public struct Request: Sendable {
        /// `GET`, `POST`, …
        public let method: String
        /// The request target, e.g. `/completion`.
        public let path: String
        /// The body bytes (`Content-Length` of them).
        public let body: Data
        /// The body as a JSON object, when it is one.
        public var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
    }

    /// Answers a request with an HTTP status and a JSON body.
    public typealias Handler = @Sendable (Request) -> (status: Int, body: Data)

    /// The port the server listens on.
    public let port: UInt16
    private let fd: Int32
    private let handler: Handler
    private let lock = NSLock()
    private var stopped = false
    private var thread: Thread?

    /// `http://127.0.0.1:PORT`.
    public var url: String { "http://127.0.0.1:\(port)" }

    /// Binds and starts serving. Call ``stop()`` when done (the serving thread keeps the server alive).
    public init(handler: @escaping Handler) throws {
        self.handler = handler
        #if canImport(Glibc)
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let s = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard s >= 0 else { throw ServerError("loopback server: socket() failed (errno \(errno))") }
        var one: Int32 = 1
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(s, 16) == 0 else { close(s); throw ServerError("loopback server: bind/listen failed (errno \(errno))") }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(s, $0, &len) }
        }
        fd = s
        port = UInt16(bigEndian: addr.sin_port)
        let t = Thread { [self] in self.serve() }
        thread = t
        t.start()
    }

    deinit { stop() }

    /// Stops accepting and closes the socket.
    public func stop() {
        lock.lock()
        let was = stopped
        stopped = true
        lock.unlock()
        if !was {
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
        }
    }

    private var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }

    private func serve() {
        while !isStopped {
            let c = accept(fd, nil, nil)
            if c < 0 { if isStopped { return }; continue }
            handle(c)
            close(c)
        }
    }

    private func handle(_ c: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int? = nil
        var contentLength = 0
        while true {
            let n = recv(c, &chunk, chunk.count, 0)
            if n <= 0 { return }
            buffer.append(contentsOf: chunk[0..<n])
            if headerEnd == nil, let r = Self.find([13, 10, 13, 10], in: buffer) {
                headerEnd = r + 4
                let head = String(decoding: buffer[0..<r], as: UTF8.self)
                for line in head.split(separator: "\r\n").dropFirst() {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        contentLength = Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                    if parts.count == 2, parts[0].lowercased() == "expect" {
                        _ = Self.sendAll(c, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    }
                }
            }
            if let h = headerEnd, buffer.count >= h + contentLength { break }
        }
        let h = headerEnd!
        let requestLine = String(decoding: buffer[0..<h], as: UTF8.self).split(separator: "\r\n").first.map(String.init) ?? ""
        let parts = requestLine.split(separator: " ")
        let request = Request(method: parts.count > 0 ? String(parts[0]) : "", path: parts.count > 1 ? String(parts[1]) : "",
                              body: Data(buffer[h..<(h + contentLength)]))
        let (status, body) = handler(request)
        let reason = status == 200 ? "OK" : (status >= 500 ? "Server Error" : "Error")
        let head = "HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        _ = Self.sendAll(c, Array(head.utf8) + [UInt8](body))
    }

    #if os(Linux)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    private static let sendFlags: Int32 = 0
    #endif

    private static func sendAll(_ c: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(c, $0.baseAddress, $0.count, sendFlags) }
            if n <= 0 { return false }
            off += n
        }
        return true
    }

    private static func find(_ needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count else { return nil }
        for i in 0...(hay.count - needle.count) where hay[i] == needle[0] && Array(hay[i..<(i + needle.count)]) == needle { return i }
        return nil
    }
}
