// The two parts of the Amazon Connect SDK the agent panel uses, exposed as one global
// (the SDK is ESM only; the panel loads plain scripts, with no build step of its own).
import { AmazonConnectApp } from "@amazon-connect/app";
import { ContactClient } from "@amazon-connect/contact";

globalThis.AmazonConnectSDK = Object.freeze({ AmazonConnectApp, ContactClient });
