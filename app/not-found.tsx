import Link from "next/link";

export default function NotFound() {
  return (
    <div className="login-wrap">
      <div className="state">
        <div className="state-title">Nothing here</div>
        <Link href="/">Back to the overview</Link>
      </div>
    </div>
  );
}
