import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request body has not fully arrived `timeout` after its head.
///
/// Hummingbird's idle timeout closes a connection that sends nothing, but any byte of body resets it, so a
/// client trickling an upload a byte every few seconds (slow loris) would hold a connection and a request
/// task for as long as it likes. This deadline bounds the whole body instead. Nothing can be answered once
/// the body is half read (the route may already be consuming it), so the connection is closed; the route's
/// body read then fails and its task ends.
final class RequestBodyDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    let timeout: TimeAmount
    let logger: Logger
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            cancelDeadline()
            let loop = context.eventLoop.assumeIsolated()
            let channel = context.channel, logger = logger, seconds = timeout.nanoseconds / 1_000_000_000
            deadline = loop.scheduleTask(in: timeout) {
                logger.notice("request body not received within \(seconds) s: closing the connection")
                channel.close(promise: nil)
            }
        case .end:
            cancelDeadline()
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadline()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelDeadline()
    }

    private func cancelDeadline() {
        deadline?.cancel()
        deadline = nil
    }
}

extension ServerConfiguration {
    /// The HTTP/1 server these limits describe: idle connections closed after `idleTimeoutSeconds`, request
    /// bodies cut off `requestBodyTimeoutSeconds` after their head.
    func httpServer(logger: Logger) -> HTTPServerBuilder {
        let bodyTimeout = TimeAmount.seconds(Int64(requestBodyTimeoutSeconds))
        return .http1(configuration: .init(additionalChannelHandlers: [RequestBodyDeadline(timeout: bodyTimeout, logger: logger)],
                                           idleTimeout: .seconds(Int64(idleTimeoutSeconds))))
    }

    /// Binding, server name and the connection cap, for Hummingbird.
    var applicationConfiguration: ApplicationConfiguration {
        ApplicationConfiguration(address: .hostname(host, port: port), serverName: "Vitrine",
                                 availableConnectionsDelegate: MaximumAvailableConnections(maxConnections))
    }
}
