import Logging

/// Wraps a log handler so that setting logger metadata costs one dictionary write: the metadata are kept here
/// and handed to `inner` as the call's metadata only when a message is actually logged.
///
/// swift-log's `StreamLogHandler` re-renders its whole metadata text on every `logger[metadataKey:] = …`; a
/// request sets four keys (request id, procedure, organisation, user) and usually logs nothing at the default
/// level, so the text log format spent ~7 % of a tRPC call's CPU rendering text nobody read.
public struct DeferredMetadataLogHandler<Inner: LogHandler>: LogHandler {
    public var inner: Inner
    public var metadata: Logger.Metadata = [:]

    public init(_ inner: Inner) { self.inner = inner }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        var merged = metadata
        if let explicit { merged.merge(explicit) { $1 } }
        inner.log(level: level, message: message, metadata: merged.isEmpty ? nil : merged, source: source,
                  file: file, function: function, line: line)
    }
}
