import { WebSocketServer, type ServerOptions } from "ws";

/**
 * `ws`'s server with `allowSynchronousEvents: false`: a connection's frames that arrived together are
 * handed to the router one per turn of the event loop, not all in one. A flood (a client writing
 * megabytes of small frames, refused RATE_LIMITED and held unread) otherwise has one TCP read's worth
 * of frames, up to 2 MB and thousands of messages, routed in a single turn: 70-110 ms during which no
 * other user's message was read. One frame per turn per connection keeps that to one message.
 * engine.io builds its server from this class (Socket.IO's `wsEngine`); /ws uses it directly.
 */
export class FairWebSocketServer extends WebSocketServer {
  constructor(options?: ServerOptions, callback?: () => void) {
    super({ ...options, allowSynchronousEvents: false }, callback);
  }
}
