package jp.securetoken.api;

import java.net.URI;

/**
 * A token that discovery found present, before it is opened.
 *
 * @param uri         the address that opens it
 * @param label       its label
 * @param description a short description, e.g. the reader or file it sits in
 */
public record TokenDescriptor(URI uri, String label, String description) {
}
