package dev.dnsflow.k8s;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.net.URI;
import java.util.function.Consumer;

/**
 * Sees every watch request the informers send, WebSocket or plain HTTP: the first, and each re-open that
 * fabric8's watch manager does by itself (after the server's watch timeout, a broken stream or a refused
 * re-open) or that follows a re-list. Reports the resource (the URI's last path segment: pods, services…).
 *
 * <p>Why opens and not breaks: fabric8 8.0.0 decides how a watch ended in
 * {@code AbstractWatchManager.watchEnded(Throwable, …)} (package-private), logs it and re-opens; neither the
 * informer's exception handler nor its {@code Watcher} (only {@code reconnecting()}, without the cause) is
 * told, and an interceptor sees nothing of a WebSocket watch after its upgrade.
 */
final class WatchOpens implements Interceptor {
    private final Consumer<String> opened;

    WatchOpens(Consumer<String> opened) {
        this.opened = opened;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        URI uri = request.uri();
        if (isWatch(uri)) {
            String path = uri.getRawPath();
            opened.accept(path.substring(path.lastIndexOf('/') + 1));
        }
    }

    static boolean isWatch(URI uri) {
        String query = uri.getRawQuery();
        return query != null && ("&" + query + "&").contains("&watch=true&");
    }
}
