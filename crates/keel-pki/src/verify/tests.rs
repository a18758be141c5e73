use super::*;

#[test]
fn policy_rejections_become_their_errors() {
    assert_eq!(
        PolicyRejection::new("pin").into_error(),
        CertError::RejectedByPolicy {
            reason: "pin".into()
        }
    );
    assert_eq!(
        PolicyRejection::revoked("crl").into_error(),
        CertError::Revoked {
            reason: "crl".into()
        }
    );
}
