// Signing in to a page for people: the Cognito hosted UI comes back with
// #id_token=...; the token is kept for this tab only (sessionStorage, under the page's
// own key) and taken out of the address, so it is never bookmarked or shared.
// signIn(key) answers the token kept, or null before the person has signed in.
"use strict";

window.signIn = function (key) {
  const hash = new URLSearchParams(window.location.hash.slice(1));
  if (hash.get("id_token")) {
    sessionStorage.setItem(key, hash.get("id_token"));
    history.replaceState(null, "", window.location.pathname + window.location.search);
  }
  return sessionStorage.getItem(key);
};
