// Ribbon callbacks of xlperf's WPS add-in (ribbon.xml names them as ribbon.<Function>).
// @ts-check
"use strict";

(function (root) {
  var IMAGES = { xlperfValidate: "images/validate.png", xlperfClear: "images/clear.png", xlperfAbout: "images/about.png" };

  /** @param {any} ribbonUI */
  function OnAddinLoad(ribbonUI) {
    var wps = /** @type {any} */ (root).wps;
    if (wps && typeof wps.ribbonUI !== "object") {
      wps.ribbonUI = ribbonUI;
    }
    return true;
  }

  /** @param {{Id: string}} control */
  function OnAction(control) {
    var api = /** @type {any} */ (root).xlperf;
    switch (control.Id) {
      case "xlperfValidate":
        return api.validateActive();
      case "xlperfClear":
        return api.clearActive();
      case "xlperfAbout":
        return api.about();
      default:
        return "";
    }
  }

  /** @param {{Id: string}} control */
  function GetImage(control) {
    return /** @type {Record<string, string>} */ (IMAGES)[control.Id] || "images/about.png";
  }

  /** @type {any} */ (root).ribbon = { OnAddinLoad: OnAddinLoad, OnAction: OnAction, GetImage: GetImage };
})(typeof window !== "undefined" ? window : globalThis); // window: older WPS webviews lack globalThis
