package dev.dnsflow.sidecar;

public final class Main {
    public static void main(String[] args) {
    }
}
