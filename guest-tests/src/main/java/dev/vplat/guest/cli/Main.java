package dev.vplat.guest.cli;

public final class Main {
    public static void main(String[] args) {
    }
}
